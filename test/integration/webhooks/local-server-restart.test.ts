import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImapFlow } from 'imapflow';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FileCredentialStore } from '../../../lib/credentials/file-store.js';
import { openLocalWebhookStore } from '../../../lib/webhooks/local-store/index.js';
import type { WebhookRecord } from '../../../lib/webhooks/repository.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';
import { localServerEntry, removeBuiltBundle } from '../../support/server-bundle.js';
import { type Receiver, startReceiver } from '../../unit/webhooks/receiver.js';
import { buildMessage, connectOther } from '../imap-sync/sync-test-kit.js';
import { until } from './watcher-test-kit.js';

/**
 * What `npm start` runs (the server bundle) in a child process with its webhook store in a
 * temporary directory: an event queued and sent, the process killed
 * (SIGKILL) while the receiver still holds that request open, and after a
 * restart the same event (same `webhook-id`, same body) is delivered.
 */

interface Server {
  child: ChildProcess;
  output: () => string;
  waitFor(re: RegExp, from?: number): Promise<void>;
}

function startServer(dir: string): Server {
  const child = spawn(process.execPath, [entry], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      MAILGATE_DEMO: 'false',
      MAILGATE_STORE: 'file',
      MAILGATE_ACCOUNTS_FILE: join(dir, 'accounts.json'),
      MAILGATE_WEBHOOK_DIR: join(dir, 'webhooks'),
      MAILGATE_WEBHOOK_ALLOW_PRIVATE: 'true',
      MAILGATE_LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return {
    child,
    output: () => text,
    async waitFor(re, from = 0) {
      await until(() => {
        if (child.exitCode !== null) throw new Error(`local server exited: ${text.slice(-2000)}`);
        return re.test(text.slice(from));
      }, 60_000);
    },
  };
}

let dir: string;
let user: MailUser;
let other: ImapFlow;
let receiver: Receiver;
let webhook: WebhookRecord;
const servers: Server[] = [];
let entry: string;

beforeAll(async () => {
  entry = await localServerEntry();
  dir = await mkdtemp(join(tmpdir(), 'mailgate-restart-'));
  user = await createMailUser('webhook-restart');
  other = await connectOther(user);
  receiver = await startReceiver();
  const credentials = new FileCredentialStore({ path: join(dir, 'accounts.json') });
  await credentials.putAccount('acc_restart', user.account());
  // The webhook is in the store before the server starts (the store takes one process at a time).
  const store = await openLocalWebhookStore({ directory: join(dir, 'webhooks') });
  webhook = await store.create({
    account: 'acc_restart',
    url: receiver.url('/restart'),
    mailboxes: ['~inbox'],
    events: ['message.created'],
    secret: `whsec_${Buffer.from('restart-test-secret-0123456789ab').toString('base64')}`,
  });
  await store.close();
});

afterAll(async () => {
  for (const server of servers) {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await once(server.child, 'exit');
    }
  }
  await other?.logout();
  await receiver?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  await removeBuiltBundle();
});

describe('the local server killed between sending an event and its answer', () => {
  test('sends the same event again after a restart; nothing is lost or doubled', async () => {
    // The first request is held open: the receiver never answers it.
    let held = 0;
    receiver.handle = (_request, response) => {
      if (receiver.requests.length === 1) {
        held += 1;
        return;
      }
      response.end('ok');
    };

    const first = startServer(dir);
    servers.push(first);
    await first.waitFor(/Webhooks on \(store: /);
    expect(first.output()).toContain(join(dir, 'webhooks'));
    await first.waitFor(/webhook cursor started/);
    await other.append('INBOX', buildMessage('survives a crash'));
    await until(() => receiver.requests.length === 1 && held === 1, 20_000);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');

    const second = startServer(dir);
    servers.push(second);
    await until(() => receiver.requests.length === 2, 30_000);
    await second.waitFor(/webhook delivered/);
    second.child.kill('SIGTERM');
    const [code] = await once(second.child, 'exit');
    expect(code).toBe(0);

    // Stopped in order: nothing more was sent, and the two requests are one event.
    expect(receiver.requests).toHaveLength(2);
    const [before, after] = receiver.requests;
    expect(after!.headers['webhook-id']).toBe(before!.headers['webhook-id']);
    expect(after!.body).toBe(before!.body);
    const body = new Webhook(webhook.secret).verify(
      after!.body,
      after!.headers as Record<string, string>,
    ) as {
      type: string;
      data: { account: string; mailbox: string; message: { subject: string } };
    };
    expect(body).toMatchObject({
      type: 'message.created',
      data: { account: 'acc_restart', mailbox: 'INBOX', message: { subject: 'survives a crash' } },
    });

    // The queue is empty and the cursor kept: the store reopens with nothing left to send.
    const store = await openLocalWebhookStore({ directory: join(dir, 'webhooks') });
    try {
      expect(await store.listQueued(webhook.id, 10)).toEqual([]);
      expect(await store.getCursor(webhook.id, 'INBOX')).toBeDefined();
    } finally {
      await store.close();
    }
  });
});
