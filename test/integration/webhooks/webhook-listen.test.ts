import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliEnvironment, runCli } from '../../../lib/admin/run-cli.js';
import type { MessageSummary } from '../../../lib/mail/types.js';
import { type Deliverer, startDeliverer } from '../../../lib/webhooks/deliverer.js';
import { createEvent, eventPayload } from '../../../lib/webhooks/events.js';
import { type Gateway, startGateway } from '../../support/gateway.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';

/**
 * `mailgate webhook listen` end to end: a gateway with a webhook store, a
 * deliverer working on it (as the local server runs one), and the command
 * run in-process (stopped by a signal) and as a process (stopped by SIGINT).
 */

const BIN = resolve(import.meta.dirname, '../../../bin/mailgate.js');

let user: MailUser;
let gateway: Gateway;
let deliverer: Deliverer | undefined;
let token: string;

beforeAll(async () => {
  user = await createMailUser('webhook-listen');
  gateway = await startGateway(
    { MAILGATE_WEBHOOK_ALLOW_PRIVATE: true },
    { webhooks: { onWebhookChange: () => deliverer?.wake() } },
  );
  deliverer = startDeliverer({ repository: gateway.webhooks!, allowPrivate: true, pollMs: 60_000 });
  await gateway.addAccount('alpha', user.account());
  token = await gateway.token(['alpha'], 'write');
});

afterAll(async () => {
  await deliverer?.stop();
  await gateway?.close();
});

/** Polls `check` every 10 ms for up to `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((done) => setTimeout(done, 10));
  }
}

function startInProcess(args: string[], env: Record<string, string> = {}) {
  const out = { stdout: '', stderr: '' };
  const controller = new AbortController();
  const io: CliEnvironment = {
    stdin: Readable.from([]),
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text) },
    env,
    cwd: process.cwd(),
    signal: controller.signal,
  };
  const status = runCli(['webhook', 'listen', ...args], io);
  return { out, status, stop: () => controller.abort() };
}

const listening = (stderr: string) => {
  const url = /Listening on (http:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(stderr)?.[1];
  const id = /Webhook (wh_[0-9a-f]{24})/.exec(stderr)?.[1];
  return url && id ? { url, id } : undefined;
};

const ping = (id: string) => gateway.get(`/v1/accounts/alpha/webhooks/${id}/test`, token, { method: 'POST' });

describe('mailgate webhook listen', () => {
  it('registers, prints verified deliveries one line each, refuses bad signatures, deletes the webhook on stop', async () => {
    const run = startInProcess([
      '--url',
      gateway.url,
      '--token',
      token,
      '--account',
      'alpha',
      '--mailbox',
      'INBOX',
    ]);
    await until(() => listening(run.out.stderr) !== undefined);
    const { url, id } = listening(run.out.stderr)!;
    const [stored] = await gateway.webhooks!.list('alpha');
    expect(stored).toMatchObject({ id, url, mailboxes: ['INBOX'] });
    expect(run.out.stderr).toContain(`POST /v1/accounts/alpha/webhooks/${id}/test`);

    // The test ping, through the gateway and the deliverer.
    const queued = await ping(id);
    expect(queued.status).toBe(202);
    const { id: eventId } = (await queued.json()) as { id: string };
    await until(() => run.out.stdout.includes('\n'));
    expect(run.out.stdout).toMatch(
      new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ping ${eventId} - webhook=${id}\\n$`),
    );

    // A mail event as the watcher queues it; control characters in the subject never reach the terminal.
    const summary = { id: 'i-msg-42', subject: 'Hello \u001b[31mred\u0007 world' } as MessageSummary;
    const created = createEvent('message.created', {
      account: 'alpha',
      mailbox: 'INBOX',
      state: 's1',
      message: summary,
    });
    expect(await gateway.webhooks!.enqueue(id, [created])).toBe(true);
    deliverer!.wake();
    await until(() => run.out.stdout.split('\n').length === 3);
    const line = run.out.stdout.split('\n')[1]!;
    expect(line).toBe(
      `${created.timestamp} message.created ${created.id} INBOX i-msg-42 subject="Hello ?[31mred? world"`,
    );

    // A delivery signed with another key: 401, a warning, nothing printed on stdout.
    const printed = run.out.stdout;
    const body = eventPayload(createEvent('ping', { account: 'alpha', webhook: id }));
    const forged = new Webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').sign('msg_forged', new Date(), body);
    const refused = await fetch(url, {
      method: 'POST',
      body,
      headers: {
        'webhook-id': 'msg_forged',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': forged,
      },
    });
    expect(refused.status).toBe(401);
    expect(run.out.stderr).toMatch(
      /warning: refused a delivery whose signature does not verify \(webhook-id msg_forged\)/,
    );
    const unsigned = await fetch(url, { method: 'POST', body });
    expect(unsigned.status).toBe(401);
    // A body over 1 MiB is refused unread.
    const huge = await fetch(url, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) });
    expect(huge.status).toBe(413);
    expect(run.out.stdout).toBe(printed);

    run.stop();
    expect(await run.status).toBe(0);
    expect(run.out.stderr).toContain(`Deleted webhook ${id}.`);
    expect(await gateway.webhooks!.list('alpha')).toEqual([]);
    // The receiver is closed.
    await expect(fetch(url, { method: 'POST', body })).rejects.toThrow();
    // Neither the token nor the secret is ever printed.
    const secret = stored!.secret;
    for (const text of [run.out.stdout, run.out.stderr]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(secret);
    }
  });

  it('says what to do when the gateway refuses a loopback receiver, and leaves nothing behind', async () => {
    const strict = await startGateway({}, { webhooks: true });
    try {
      await strict.addAccount('alpha', user.account());
      const strictToken = await strict.token(['alpha'], 'write');
      const run = startInProcess(['--url', strict.url, '--account', 'alpha'], {
        MAILGATE_TOKEN: strictToken,
      });
      expect(await run.status).toBe(1);
      expect(run.out.stderr).toMatch(/the gateway refused the webhook: 400 invalid_request/);
      expect(run.out.stderr).toContain('MAILGATE_WEBHOOK_ALLOW_PRIVATE=true');
      expect(await strict.webhooks!.list('alpha')).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('says so when the token may not create webhooks', async () => {
    const readToken = await gateway.token(['alpha'], 'read');
    const run = startInProcess(['--url', gateway.url, '--token', readToken, '--account', 'alpha']);
    expect(await run.status).toBe(1);
    expect(run.out.stderr).toMatch(/403 forbidden.*\nWebhooks need a write token/);
  });

  it.each([
    [['--account', 'alpha', '--token', 't'], '--url is required'],
    [['--url', 'http://127.0.0.1:1', '--token', 't'], '--account is required'],
    [['--url', 'http://127.0.0.1:1', '--account', 'alpha'], '--token is required'],
    [['--url', 'ftp://x', '--account', 'a', '--token', 't'], '--url must be an http or https URL'],
    [['--url', 'http://127.0.0.1:1', '--account', 'a', '--token', 't', '--port', '70000'], '--port must be'],
    [
      ['--url', 'http://127.0.0.1:1', '--account', 'a', '--token', 't', '--file', 'x'],
      'does not take --file',
    ],
  ])('refuses %j as a usage error (2)', async (args, message) => {
    const run = startInProcess(args);
    expect(await run.status).toBe(2);
    expect(run.out.stderr).toContain(message);
  });

  it('as a process: SIGINT deletes the webhook and exits 0', async () => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith('MAILGATE_')),
    );
    const child = spawn(
      process.execPath,
      [BIN, 'webhook', 'listen', '--url', gateway.url, '--account', 'alpha'],
      { env: { ...env, MAILGATE_TOKEN: token }, stdio: 'pipe' },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((done) => child.on('close', (status) => done(status)));
    try {
      await until(() => listening(stderr) !== undefined, 20_000);
      const { id } = listening(stderr)!;
      expect((await gateway.webhooks!.list('alpha')).map((webhook) => webhook.id)).toEqual([id]);
      expect((await ping(id)).status).toBe(202);
      await until(() => stdout.includes(` ping `));
      expect(stdout).toMatch(new RegExp(` ping msg_[0-9A-Z]{26} - webhook=${id}\\n$`));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stderr).toContain(`Deleted webhook ${id}.`);
      expect(await gateway.webhooks!.list('alpha')).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  }, 40_000);
});
