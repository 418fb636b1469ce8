import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import type { Account } from '../../../lib/credentials/account.js';
import { createImapStoreFactory } from '../../../lib/imap/index.js';
import type { Logger } from '../../../lib/mail/logger.js';
import { type Deliverer, startDeliverer } from '../../../lib/webhooks/deliverer.js';
import { DEFAULT_EVENT_TYPES, type EventType } from '../../../lib/webhooks/events.js';
import { type LocalWebhookStore, openLocalWebhookStore } from '../../../lib/webhooks/local-store/index.js';
import type { WebhookRecord } from '../../../lib/webhooks/repository.js';
import { startWatcher, type Watcher, type WatcherOptions } from '../../../lib/webhooks/watcher/index.js';
import { type FaultOptions, type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import { type MailUser, mailServer } from '../../support/mail-server.js';
import { type Received, type Receiver, startReceiver } from '../../unit/webhooks/receiver.js';

/**
 * A watcher and a deliverer on a local store, a loopback receiver, and every
 * IMAP connection (the watcher's and the checks') through a counting proxy
 * in front of the test Dovecot's plain IMAP port.
 */
export interface WatchRig {
  repository: LocalWebhookStore;
  receiver: Receiver;
  deliverer: Deliverer;
  watcher: Watcher;
  proxy: FaultProxy;
  /** What the watcher and the deliverer logged (every level). */
  logs: string[];
  /** Registers a user as account `id` (plain IMAP through the proxy). */
  addAccount(id: string, user: MailUser): Account;
  createWebhook(
    account: string,
    mailboxes: string[],
    path: string,
    events?: EventType[],
  ): Promise<WebhookRecord>;
  /** Resolves once the webhook has a cursor on each of `paths` (its first look is done). */
  started(webhook: WebhookRecord, paths: string[]): Promise<void>;
  /** The verified deliveries to `path` so far, in arrival order. */
  deliveries(webhook: WebhookRecord, path: string): Delivery[];
  /** Connections through the proxy that sent `command` (e.g. `NOTIFY SET`, `IDLE`). */
  connectionsThatSent(command: RegExp): Set<number>;
  stop(): Promise<void>;
}

export interface Delivery {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

/** Every line the watcher and the deliverer log, as text (printed too with WATCH_DEBUG=1). */
function recordingLogger(lines: string[], fields: Record<string, unknown> = {}): Logger {
  const write = (level: string) => (message: string, more?: Record<string, unknown>) => {
    const line = `${level} ${message} ${JSON.stringify({ ...fields, ...more })}`;
    lines.push(line);
    if (process.env.WATCH_DEBUG) console.log(Date.now() % 100_000, line);
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => recordingLogger(lines, { ...fields, ...more }),
  };
}

export async function startRig(
  options: Partial<WatcherOptions> = {},
  faults: FaultOptions = {},
): Promise<WatchRig> {
  const directory = await mkdtemp(join(tmpdir(), 'mailgate-watcher-'));
  const repository = await openLocalWebhookStore({ directory });
  const receiver = await startReceiver();
  const accounts = new Map<string, Account>();
  const logs: string[] = [];
  const logger = recordingLogger(logs);
  const proxy = await startFaultProxy({
    target: { host: '127.0.0.1', port: mailServer().ports.imap },
    ...faults,
  });
  const deliverer = startDeliverer({
    repository,
    allowPrivate: true,
    pollMs: 500,
    logger,
  });
  const watcher = startWatcher({
    repository,
    accounts: { getAccount: async (id) => accounts.get(id) },
    stores: createImapStoreFactory(),
    logger,
    onQueued: () => deliverer.wake(),
    // A NOOP every 2 s: an IDLE on a mailbox deleted under it hears of it at the next command.
    keepaliveMs: 2_000,
    reconnectBaseMs: 100,
    reconnectMaxMs: 1_000,
    ...options,
  });
  const rig: WatchRig = {
    repository,
    receiver,
    deliverer,
    watcher,
    proxy,
    logs,
    addAccount(id, user) {
      const account = {
        id,
        protocol: 'imap',
        host: '127.0.0.1',
        port: proxy.port,
        tls: 'none',
        allowPlaintext: true,
        user: user.user,
        password: user.password,
      } as Account;
      accounts.set(id, account);
      return account;
    },
    createWebhook(account, mailboxes, path, events = [...DEFAULT_EVENT_TYPES]) {
      return repository.create({
        account,
        url: receiver.url(path),
        mailboxes,
        events,
        secret: `whsec_${Buffer.from(`secret-of-${path}-0123456789abcdef`).toString('base64')}`,
      });
    },
    async started(webhook, paths) {
      await until(async () => {
        for (const path of paths)
          if ((await repository.getCursor(webhook.id, path)) === undefined) return false;
        return true;
      }, 20_000);
    },
    deliveries(webhook, path) {
      return receiver.requests
        .filter((request) => request.path === path)
        .map((request) => verified(webhook, request));
    },
    connectionsThatSent(command) {
      return new Set(
        proxy.commands.filter((entry) => command.test(entry.line)).map((entry) => entry.connection),
      );
    },
    async stop() {
      await watcher.stop();
      await deliverer.stop();
      await repository.close();
      await receiver.close();
      await proxy.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
  return rig;
}

/** The request's signature checked with the Standard Webhooks library, and its body. */
export function verified(webhook: WebhookRecord, request: Received): Delivery {
  const body = new Webhook(webhook.secret).verify(
    request.body,
    request.headers as Record<string, string>,
  ) as {
    type: string;
    data: Record<string, unknown>;
  };
  return { id: String(request.headers['webhook-id']), type: body.type, data: body.data };
}

/** Polls `check` until it holds; fails after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
