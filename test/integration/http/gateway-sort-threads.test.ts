import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy, transformLines } from '../../support/fault-proxy.js';
import { type Gateway, startGateway } from '../../support/gateway.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';

/**
 * Sorted lists and threads through the real gateway and Dovecot: the query
 * parameters and their defaults, cursors bound to their order, 501s where
 * the account cannot, the capabilities that say so beforehand, and the
 * threads routes with their problem codes.
 */

const message = (tag: string, day: number, subject: string, from: string, headers: string[] = []) =>
  [
    `From: ${from}`,
    'To: reader@example.org',
    `Subject: ${subject}`,
    `Date: ${String(day).padStart(2, '0')} Jan 2026 10:00:00 +0000`,
    `Message-ID: <${tag}@example.org>`,
    ...headers,
    '',
    `${tag} ${'x'.repeat(day * 40)}`,
    '',
  ].join('\r\n');

// Arrival order as listed; dates, subjects and senders each ordered otherwise.
const SEED = [
  message('a', 3, 'Plans', 'Carol <carol@a.example>'),
  message('s1', 1, 'Lunch', 'Alice <alice@b.example>'),
  message('b', 5, 'Re: Plans', 'Eve <eve@a.example>', [
    'In-Reply-To: <a@example.org>',
    'References: <a@example.org>',
  ]),
  message('s2', 2, 'Invoice', 'Bob <bob@b.example>'),
  message('c', 4, 'Re: Plans', 'Dave <dave@a.example>', ['In-Reply-To: <b@example.org>']),
];

const HIDE_SORT_AND_THREAD = transformLines((line) =>
  /^\* CAPABILITY |\[CAPABILITY /i.test(line)
    ? line.replace(/ (E?SORT|SORT=\S+?|THREAD=\S+?)(?=[ \]]|$)/gi, '')
    : line,
);

describe('sort and threads through the gateway', () => {
  let gateway: Gateway;
  let user: MailUser;
  let proxy: FaultProxy;
  let token: string;
  const box = '/v1/accounts/s/mailboxes/INBOX';

  beforeAll(async () => {
    gateway = await startGateway();
    user = await createMailUser('sorthttp');
    await user.seed(
      'INBOX',
      SEED.map((raw) => ({ raw })),
    );
    proxy = await startFaultProxy({
      target: { host: user.server.host, port: user.server.ports.imap },
      protocol: 'imap',
      transformToClient: HIDE_SORT_AND_THREAD,
    });
    await gateway.addAccount('s', user.account());
    await gateway.addAccount('plain', user.account({ port: proxy.port, tls: 'none', allowPlaintext: true }));
    await gateway.addAccount('pop', user.account({ protocol: 'pop3', port: user.server.ports.pop3s }));
    token = await gateway.token(['s', 'plain', 'pop'], 'read');
  });

  afterAll(async () => {
    await gateway?.close();
    await proxy?.close();
  });

  const tags = (body: Pick<Body, 'messages'>) =>
    body.messages.map((m) => m.messageId.replace('@example.org', ''));

  /** The fields these tests read, from a page, an account, a thread list or detail, or a problem. */
  interface Body {
    messages: Array<{ id: string; messageId: string }>;
    nextCursor: string | null;
    total: number | null;
    partial?: boolean;
    code: string;
    capabilities: { sort: string[]; threads: boolean };
    threads: Array<{ threadId: string; count: number; messageIds: string[]; latest: { messageId: string } }>;
  }

  async function json(path: string, status = 200): Promise<Body> {
    const response = await gateway.get(path, token);
    const body = (await response.json()) as Body;
    expect(response.status, JSON.stringify(body)).toBe(status);
    return body;
  }

  it('sorts by each key, with the default order of each key when order is left out', async () => {
    expect(tags(await json(`${box}/messages?sort=date&order=asc`))).toEqual(['s1', 's2', 'a', 'c', 'b']);
    expect(tags(await json(`${box}/messages?sort=date`))).toEqual(['b', 'c', 'a', 's2', 's1']);
    expect(tags(await json(`${box}/messages?sort=subject`))).toEqual(['s2', 's1', 'a', 'b', 'c']);
    expect(tags(await json(`${box}/messages?sort=from`))).toEqual(['s1', 's2', 'a', 'c', 'b']);
    expect(tags(await json(`${box}/messages?sort=from&order=desc`))).toEqual(['b', 'c', 'a', 's2', 's1']);
    expect(tags(await json(`${box}/messages?sort=size`))).toEqual(['b', 'c', 'a', 's2', 's1']);
    expect(tags(await json(`${box}/messages?order=asc`))).toEqual(['a', 's1', 'b', 's2', 'c']);
    expect(tags(await json(`${box}/messages?sort=arrival&order=desc`))).toEqual(['c', 's2', 'b', 's1', 'a']);
    expect(tags(await json(`${box}/messages`))).toEqual(['c', 's2', 'b', 's1', 'a']);
    const filtered = await json(`${box}/messages?sort=date&order=asc&from=a.example&limit=2`);
    expect(tags(filtered)).toEqual(['a', 'c']);
    expect(filtered.total).toBe(3);
    expect(
      tags(await json(`${box}/messages?sort=date&order=asc&from=a.example&cursor=${filtered.nextCursor}`)),
    ).toEqual(['b']);
  });

  it('refuses unknown keys and orders, and a cursor used with another sort or order (400)', async () => {
    for (const query of ['sort=name', 'order=up', 'sort=DATE', 'sort=']) {
      expect((await json(`${box}/messages?${query}`, 400)).code).toBe('invalid_request');
    }
    const page = await json(`${box}/messages?sort=date&limit=2`);
    expect(page.nextCursor).toEqual(expect.any(String));
    for (const other of ['sort=date&order=asc', 'sort=size', '', 'order=asc']) {
      const refused = await json(`${box}/messages?${other}&limit=2&cursor=${page.nextCursor}`, 400);
      expect(refused.code).toBe('invalid_request');
    }
    const plain = await json(`${box}/messages?limit=2`);
    expect((await json(`${box}/messages?sort=date&limit=2&cursor=${plain.nextCursor}`, 400)).code).toBe(
      'invalid_request',
    );
    expect(tags(await json(`${box}/messages?sort=date&limit=2&cursor=${page.nextCursor}`))).toEqual([
      'a',
      's2',
    ]);
  });

  it('capabilities list the sort keys and threads; a probe makes sort exact for a server without SORT', async () => {
    const imap = await json('/v1/accounts/s');
    expect(imap.capabilities.sort).toEqual(['arrival', 'date', 'from', 'subject', 'size']);
    expect(imap.capabilities.threads).toBe(true);
    const probed = await json('/v1/accounts/plain?probe=true');
    expect(probed.capabilities.sort).toEqual(['arrival', 'date']);
    expect(probed.capabilities.threads).toBe(true);
    const pop = await json('/v1/accounts/pop');
    expect(pop.capabilities.sort).toEqual(['arrival']);
    expect(pop.capabilities.threads).toBe(false);
  });

  it('answers 501 for what the account cannot: other keys without SORT, any other order or threads on POP3', async () => {
    // Without SORT, date is sorted by the gateway: the same order the server's SORT gives.
    expect(tags(await json('/v1/accounts/plain/mailboxes/INBOX/messages?sort=date&order=asc'))).toEqual(
      tags(await json('/v1/accounts/s/mailboxes/INBOX/messages?sort=date&order=asc')),
    );
    for (const key of ['from', 'subject', 'size']) {
      expect((await json(`/v1/accounts/plain/mailboxes/INBOX/messages?sort=${key}`, 501)).code).toBe(
        'unsupported_operation',
      );
    }
    expect(tags(await json('/v1/accounts/plain/mailboxes/INBOX/messages?order=asc'))).toEqual([
      'a',
      's1',
      'b',
      's2',
      'c',
    ]);
    for (const query of ['sort=date', 'order=asc', 'sort=subject&order=desc']) {
      expect((await json(`/v1/accounts/pop/mailboxes/INBOX/messages?${query}`, 501)).code).toBe(
        'unsupported_operation',
      );
    }
    expect(tags(await json('/v1/accounts/pop/mailboxes/INBOX/messages?sort=arrival&order=desc'))).toEqual([
      'c',
      's2',
      'b',
      's1',
      'a',
    ]);
    expect((await json('/v1/accounts/pop/mailboxes/INBOX/threads', 501)).code).toBe('unsupported_operation');
    expect((await json('/v1/accounts/pop/mailboxes/INBOX/threads/t1.eA', 501)).code).toBe(
      'unsupported_operation',
    );
  });

  it('lists threads newest first, pages them, and answers each thread; unknown ids are 404 thread_not_found', async () => {
    for (const account of ['s', 'plain']) {
      const threads = `/v1/accounts/${account}/mailboxes/INBOX/threads`;
      const page = await json(threads);
      expect(page.threads.map((t: { count: number }) => t.count)).toEqual([3, 1, 1]);
      expect(page.threads.map((t: { latest: { messageId: string } }) => t.latest.messageId)).toEqual([
        'c@example.org',
        's2@example.org',
        's1@example.org',
      ]);
      expect(page.nextCursor).toBeNull();
      expect(page.partial).toBeUndefined();
      const first = await json(`${threads}?limit=2`);
      const rest = await json(`${threads}?limit=2&cursor=${first.nextCursor}`);
      expect([...first.threads, ...rest.threads].map((t: { threadId: string }) => t.threadId)).toEqual(
        page.threads.map((t: { threadId: string }) => t.threadId),
      );
      const detail = await json(`${threads}/${encodeURIComponent(page.threads[0]!.threadId)}`);
      expect(detail.messages.map((m: { messageId: string }) => m.messageId)).toEqual([
        'a@example.org',
        'b@example.org',
        'c@example.org',
      ]);
      expect(detail.messages.map((m: { id: string }) => m.id)).toEqual(page.threads[0]!.messageIds);
      const missing = await json(`${threads}/t1.bm90aGluZw`, 404);
      expect(missing.code).toBe('thread_not_found');
      expect((await json(`${threads}?limit=0`, 400)).code).toBe('invalid_request');
      expect((await json(`${threads}?sort=date`, 400)).code).toBe('invalid_request');
    }
  });
});
