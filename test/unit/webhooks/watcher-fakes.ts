import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Account } from '../../../lib/credentials/account.js';
import { AccountNotFoundError } from '../../../lib/mail/errors.js';
import type { Logger } from '../../../lib/mail/logger.js';
import type { MailStore, MailStoreFactory } from '../../../lib/mail/store.js';
import { type LocalWebhookStore, openLocalWebhookStore } from '../../../lib/webhooks/local-store/index.js';
import { startWatcher, type Watcher, type WatcherOptions } from '../../../lib/webhooks/watcher/index.js';

/**
 * A watcher over POP3-shaped accounts (watched by polling, so no connection
 * is held) whose stores are fakes: each `getMailbox` is recorded and answers
 * at once, hangs until the store's signal aborts, or fails, as the test says.
 */

export type Answer = 'ok' | 'hang' | 'gone';

export interface Look {
  account: string;
  path: string;
  /** The store's number among the stores opened for this account (0 = the first). */
  store: number;
}

export interface FakeRig {
  watcher: Watcher;
  repository: LocalWebhookStore;
  accounts: Map<string, Account>;
  /** Every getMailbox, in call order. */
  looks: Look[];
  /** Calls still waiting (hung). */
  hanging: Look[];
  logs: string[];
  addAccount(id: string, fields?: Partial<Account>): Account;
  webhook(account: string, mailboxes: string[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startFakeRig(
  answer: (look: Look) => Answer,
  options: Partial<WatcherOptions> = {},
): Promise<FakeRig> {
  const directory = await mkdtemp(join(tmpdir(), 'mailgate-watcher-unit-'));
  const repository = await openLocalWebhookStore({ directory });
  const accounts = new Map<string, Account>();
  const looks: Look[] = [];
  const hanging: Look[] = [];
  const logs: string[] = [];
  const opened = new Map<string, number>();
  const logger = recordingLogger(logs);

  const stores: MailStoreFactory = {
    capabilities: () => ({}) as ReturnType<MailStoreFactory['capabilities']>,
    open(account, context) {
      const store = opened.get(account.id) ?? 0;
      opened.set(account.id, store + 1);
      const fake = {
        async getMailbox(ref: { kind: string; path?: string; role?: string }) {
          const path = ref.kind === 'path' ? ref.path! : 'INBOX';
          const look: Look = { account: account.id, path, store };
          looks.push(look);
          const what = answer(look);
          if (what === 'gone') throw new AccountNotFoundError();
          if (what === 'hang') {
            hanging.push(look);
            await new Promise<void>((_, reject) => {
              const fail = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
              if (context.signal.aborted) fail();
              context.signal.addEventListener('abort', fail, { once: true });
            });
          }
          return {
            path,
            name: path,
            role: null,
            total: 0,
            unseen: 0,
            uidNext: 1,
            uidValidity: '1',
            highestModseq: '1',
            state: 'state-1',
          };
        },
        async changes() {
          return {
            state: 'state-1',
            created: [],
            updated: [],
            removed: [],
            removedComplete: true,
            hasMore: false,
          };
        },
        async close() {},
      };
      return fake as unknown as MailStore;
    },
  };

  const watcher = startWatcher({
    repository,
    accounts: { getAccount: async (id) => accounts.get(id) },
    stores,
    logger,
    // Only the test's resync() calls and its triggers run.
    resyncMs: 3_600_000,
    pollMs: 3_600_000,
    ...options,
  });

  return {
    watcher,
    repository,
    accounts,
    looks,
    hanging,
    logs,
    addAccount(id, fields = {}) {
      const account = {
        id,
        protocol: 'pop3',
        host: '127.0.0.1',
        port: 1,
        tls: 'none',
        allowPlaintext: true,
        user: `user-${id}`,
        password: 'secret-password',
        ...fields,
      } as Account;
      accounts.set(id, account);
      return account;
    },
    async webhook(account, mailboxes) {
      await repository.create({
        account,
        url: 'https://receiver.example/hook',
        mailboxes,
        events: ['message.created'],
        secret: `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`,
      });
    },
    async stop() {
      await watcher.stop();
      await repository.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

function recordingLogger(lines: string[], fields: Record<string, unknown> = {}): Logger {
  const write = (level: string) => (message: string, more?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify({ ...fields, ...more })}`);
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => recordingLogger(lines, { ...fields, ...more }),
  };
}

/** Polls `check` until it holds; fails after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
