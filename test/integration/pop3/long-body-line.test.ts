import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Account } from '../../../lib/credentials/account.js';
import { silentLogger } from '../../../lib/mail/logger.js';
import type { MailboxRef } from '../../../lib/mail/types.js';
import { Pop3MailStore } from '../../../lib/pop3/index.js';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';

/**
 * The message list reads `TOP n 16` for previews. A body line has no length
 * limit: a message whose HTML body is one 2 MB line lists like any other (its
 * preview from the start of the body that is kept), and the session goes on.
 */
const INBOX: MailboxRef = { kind: 'role', role: 'inbox' };

let user: MailUser;
let proxy: FaultProxy;

function plain(subject: string, text: string): Buffer {
  return Buffer.from(
    `Subject: ${subject}\r\nFrom: a@example.com\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text}\r\n`,
  );
}

const BIG_LINE = `<html><body><p>Huge newsletter</p>${'<b>x</b>'.repeat(256 * 1024)}</body></html>`;

beforeAll(async () => {
  user = await createMailUser('pop3-long-line');
  await user.seed('INBOX', [
    { raw: plain('first', 'The first text.') },
    {
      raw: Buffer.from(
        `Subject: big\r\nFrom: a@example.com\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${BIG_LINE}\r\n`,
      ),
    },
    { raw: plain('third', 'The third text.') },
  ]);
  proxy = await startFaultProxy({
    target: { host: user.server.host, port: user.server.ports.pop3 },
    protocol: 'pop3',
  });
});

afterAll(async () => {
  await proxy?.close();
});

test('a message with a 2 MB body line lists with its neighbours, on one session that goes on', async () => {
  expect(BIG_LINE.length).toBeGreaterThan(2 * 1024 * 1024);
  proxy.reset();
  const account = {
    id: 'pop',
    ...user.account({ protocol: 'pop3', port: proxy.port, tls: 'none', allowPlaintext: true }),
  } as Account;
  const store = new Pop3MailStore(account, { signal: new AbortController().signal, logger: silentLogger });
  try {
    const page = await store.listMessages(INBOX, { limit: 50, filter: {} });
    const bySubject = new Map(page.messages.map((m) => [m.subject, m]));
    expect([...bySubject.keys()].sort()).toEqual(['big', 'first', 'third']);
    expect(bySubject.get('first')!.preview).toBe('The first text.');
    expect(bySubject.get('third')!.preview).toBe('The third text.');
    const big = bySubject.get('big')!;
    expect(big.size).toBeGreaterThan(2 * 1024 * 1024);
    expect(big.preview).toMatch(/^Huge newsletter x/);
    expect(big.preview!.length).toBeLessThanOrEqual(200);
    // The same session answers the next requests.
    const again = await store.listMessages(INBOX, { limit: 50, filter: {} });
    expect(again.messages.map((m) => m.id)).toEqual(page.messages.map((m) => m.id));
    const first = await store.getMessage(INBOX, bySubject.get('first')!.id, {
      body: 'text',
      maxBodyBytes: null,
      markSeen: false,
    });
    expect(first.text).toContain('The first text.');
    expect(proxy.totalConnections).toBe(1);
    const tops = proxy.commands.filter((c) => /^TOP /i.test(c.line)).map((c) => c.line);
    expect(tops).toHaveLength(6);
    for (const line of tops) expect(line).toMatch(/^TOP \d+ 16$/);
  } finally {
    await store.close();
  }
});
