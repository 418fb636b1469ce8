import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import { type Gateway, startGateway } from '../../support/gateway.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';

/**
 * The message answer's ETag and `?fields=` through the real gateway (IMAP
 * connections kept between requests, as `npm start` does) and Dovecot, every
 * IMAP command counted at a proxy: a conditional request costs one
 * `UID FETCH <uid> (UID FLAGS)`, sent with the EXAMINE in one round trip on a
 * warm connection, a flag change shows as
 * a new tag, an answer without flags (or a POP3 one) is revalidated without
 * the server, and fields leave unread what they do not show.
 */

const WEAK_TAG = /^W\/"[A-Za-z0-9_-]{27}"$/;
const REVALIDATE = 'private, no-cache';

const MESSAGE = [
  'From: Bob <bob@example.com>',
  'To: alice@example.com',
  'Subject: Quarterly figures',
  'Date: Tue, 01 Dec 2026 10:00:00 +0000',
  'Message-ID: <figures@example.com>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="sep"',
  '',
  '--sep',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'The figures are in.',
  '--sep',
  'Content-Type: application/octet-stream; name="figures.bin"',
  'Content-Disposition: attachment; filename="figures.bin"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('0123456789').toString('base64'),
  '--sep--',
  '',
].join('\r\n');

interface Answer {
  status: number;
  etag: string | null;
  cacheControl: string | null;
  text: string;
  json: Record<string, unknown>;
}

describe('conditional message reads and fields', () => {
  let gateway: Gateway;
  let user: MailUser;
  let imap: FaultProxy;
  let pop: FaultProxy;
  let token: string;
  let id: string;
  let uid: number;
  let popId: string;

  beforeAll(async () => {
    gateway = await startGateway({}, { reuse: true });
    user = await createMailUser('message-cache');
    await user.seed('INBOX', [{ raw: MESSAGE }, { raw: MESSAGE.replace('Quarterly', 'Monthly') }]);
    imap = await startFaultProxy({
      target: { host: user.server.host, port: user.server.ports.imap },
      protocol: 'imap',
    });
    pop = await startFaultProxy({
      target: { host: user.server.host, port: user.server.ports.pop3 },
      protocol: 'pop3',
    });
    const plain = { tls: 'none' as const, allowPlaintext: true };
    await gateway.addAccount('a', user.account({ ...plain, port: imap.port }));
    await gateway.addAccount('b', user.account({ ...plain, port: imap.port }));
    await gateway.addAccount('p', user.account({ ...plain, protocol: 'pop3', port: pop.port }));
    token = await gateway.token(['a', 'b', 'p'], 'write');
    const list = async (account: string) => {
      const response = await gateway.get(`/v1/accounts/${account}/mailboxes/INBOX/messages`, token);
      expect(response.status).toBe(200);
      return ((await response.json()) as { messages: Array<{ id: string; uid: number; subject: string }> })
        .messages;
    };
    const first = (await list('a')).find((m) => m.subject === 'Quarterly figures')!;
    id = first.id;
    uid = first.uid;
    popId = (await list('p')).find((m) => m.subject === 'Quarterly figures')!.id;
  });

  afterAll(async () => {
    await gateway?.close();
    await imap?.close();
    await pop?.close();
  });

  const path = (account = 'a', query = '', messageId = id) =>
    `/v1/accounts/${account}/messages/${messageId}${query}`;

  async function get(target: string, headers: Record<string, string> = {}, bearer = token): Promise<Answer> {
    const response = await gateway.get(target, bearer, { headers });
    const text = await response.text();
    return {
      status: response.status,
      etag: response.headers.get('etag'),
      cacheControl: response.headers.get('cache-control'),
      text,
      json: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : {},
    };
  }

  async function tagOf(target: string): Promise<string> {
    const answer = await get(target);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.cacheControl).toBe(REVALIDATE);
    expect(answer.etag).toMatch(WEAK_TAG);
    return answer.etag!;
  }

  /** Forgets what the proxy saw; the pool keeps its connections. */
  const fresh = (proxy: FaultProxy) => proxy.reset();
  const fetches = () => imap.commands.map((c) => c.line).filter((line) => / UID FETCH /i.test(line));

  it('tags the answer weakly and stably; another query, account or message is another tag', async () => {
    const tag = await tagOf(path());
    expect(await tagOf(path())).toBe(tag);
    const others = [
      await tagOf(path('a', '?html=safe')),
      await tagOf(path('a', '?body=text')),
      await tagOf(path('a', '?maxBodyBytes=5')),
      await tagOf(path('a', '?headers=raw')),
      await tagOf(path('a', '?fields=subject,flags')),
      await tagOf(path('b')),
      await tagOf(`/v1/accounts/a/mailboxes/INBOX/messages/${id}`),
    ];
    expect(new Set([tag, ...others]).size).toBe(others.length + 1);
    // Parameters given in another order are the same query.
    expect(await tagOf(path('a', '?fields=flags,subject'))).toBe(others[4]);
  });

  it('answers an unchanged message 304 after one UID FETCH of its flags on the warm connection', async () => {
    const tag = await tagOf(path());
    fresh(imap);
    for (const ifNoneMatch of [tag, tag.slice(2), `"x", ${tag}`, '*']) {
      const answer = await get(path(), { 'If-None-Match': ifNoneMatch });
      expect(answer.status, ifNoneMatch).toBe(304);
      expect(answer.text).toBe('');
      expect(answer.etag).toBe(tag);
      expect(answer.cacheControl).toBe(REVALIDATE);
    }
    expect(imap.totalConnections).toBe(0);
    expect(imap.commands.some((c) => /^\S+ (LOGIN|AUTHENTICATE)/i.test(c.line))).toBe(false);
    // Per request: the mailbox opened again (the pool trusts no selection across requests) and the
    // flags, both in one flight: one round trip each.
    const lines = imap.commands.map((c) => c.line.replace(/^\S+ /, ''));
    expect(lines).toEqual(
      Array(4)
        .fill(['EXAMINE "INBOX"', `UID FETCH ${uid} (UID FLAGS)`])
        .flat(),
    );
    expect(imap.flights.total).toBe(4);
  });

  it('on a warm connection: a mailbox gone since is 404, a recreated one 409, and neither sees the pipelined FETCH', async () => {
    await user.seed('Gone', [{ raw: MESSAGE }]);
    await user.seed('Recreated', [{ raw: MESSAGE }]);
    const listIn = async (mailbox: string) => {
      const response = await gateway.get(`/v1/accounts/a/mailboxes/${mailbox}/messages`, token);
      expect(response.status).toBe(200);
      return ((await response.json()) as { messages: Array<{ id: string }> }).messages[0]!.id;
    };
    const goneId = await listIn('Gone');
    const recreatedId = await listIn('Recreated');
    const goneTag = await tagOf(path('a', '', goneId));
    const recreatedTag = await tagOf(path('a', '', recreatedId));
    await user.doveadm(['mailbox', 'delete', '-u', user.user, 'Gone']);
    await user.doveadm(['mailbox', 'delete', '-u', user.user, 'Recreated']);
    await user.seed('Recreated', [{ raw: MESSAGE }]);

    fresh(imap);
    const gone = await get(path('a', '', goneId), { 'If-None-Match': goneTag });
    expect(gone.status, gone.text).toBe(404);
    expect(gone.json.code).toBe('message_not_found');
    // The FETCH went with the EXAMINE; the EXAMINE failed, so it was answered BAD and dropped.
    expect(imap.commands.map((c) => c.line.replace(/^\S+ /, '')).slice(0, 2)).toEqual([
      'EXAMINE "Gone"',
      'UID FETCH 1 (UID FLAGS)',
    ]);
    expect(imap.totalConnections).toBe(0);

    const plain = await get(path('a', '', recreatedId));
    const recreated = await get(path('a', '', recreatedId), { 'If-None-Match': recreatedTag });
    expect(recreated.status, recreated.text).toBe(plain.status);
    expect(recreated.status).toBe(409);
    expect(recreated.json.code).toBe('stale_message_id');

    // The pool still answers the next conditional read in one round trip.
    const tag = await tagOf(path());
    fresh(imap);
    expect((await get(path(), { 'If-None-Match': tag })).status).toBe(304);
    expect(imap.flights.total).toBe(1);
  });

  it('reads a message once when If-None-Match cannot hold a tag of the gateway', async () => {
    fresh(imap);
    const answer = await get(path(), { 'If-None-Match': '"not-one-of-ours"' });
    expect(answer.status).toBe(200);
    expect(imap.commands.some((c) => / UID FETCH \d+ \(UID FLAGS\)$/.test(c.line))).toBe(false);
  });

  it('answers 200 with a new tag after a flag change, then 304 for that tag', async () => {
    const before = await tagOf(path());
    const patch = await gateway.get(path(), token, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ flags: { add: ['\\Flagged'] } }),
    });
    expect(patch.status).toBe(200);
    fresh(imap);
    const changed = await get(path(), { 'If-None-Match': before });
    expect(changed.status).toBe(200);
    expect(changed.json.flagged).toBe(true);
    expect(changed.json.subject).toBe('Quarterly figures');
    expect(changed.etag).toMatch(WEAK_TAG);
    expect(changed.etag).not.toBe(before);
    expect(await get(path(), { 'If-None-Match': changed.etag! })).toMatchObject({ status: 304 });
    // A flag the answer does not show changes nothing for an answer without flags.
    const noFlags = await tagOf(path('a', '?fields=subject'));
    await gateway.get(path(), token, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ flags: { remove: ['\\Flagged'] } }),
    });
    expect(await tagOf(path('a', '?fields=subject'))).toBe(noFlags);
    expect(await tagOf(path())).toBe(before);
  });

  it('revalidates an answer without flag fields without any IMAP command', async () => {
    const target = path('a', '?fields=subject,from,date,attachments');
    const tag = await tagOf(target);
    fresh(imap);
    const answer = await get(target, { 'If-None-Match': tag });
    expect(answer.status).toBe(304);
    expect(answer.etag).toBe(tag);
    expect(imap.commands).toHaveLength(0);
    expect(imap.totalConnections).toBe(0);
  });

  it('checks the token before any 304', async () => {
    const tag = await tagOf(path());
    const noFlagsTag = await tagOf(path('a', '?fields=subject'));
    const other = await gateway.token(['b'], 'read');
    const admin = await gateway.token('*', 'admin');
    fresh(imap);
    expect((await get(path(), { 'If-None-Match': tag }, other)).status).toBe(404);
    expect((await get(path('a', '?fields=subject'), { 'If-None-Match': noFlagsTag }, other)).status).toBe(
      404,
    );
    expect((await get(path(), { 'If-None-Match': '*' }, admin)).status).toBe(403);
    expect(imap.commands).toHaveLength(0);
  });

  it('returns only the fields asked for (id always), reading only what they need', async () => {
    fresh(imap);
    const few = await get(path('a', '?fields=subject,flags'));
    expect(few.status).toBe(200);
    expect(few.json).toEqual({ id, subject: 'Quarterly figures', flags: expect.any(Array) });
    expect(fetches()).toHaveLength(1);
    expect(fetches()[0]).not.toMatch(/BODYSTRUCTURE|BODY\.PEEK|BINARY/i);

    fresh(imap);
    const structure = await get(path('a', '?fields=hasAttachments,attachments'));
    expect(Object.keys(structure.json).sort()).toEqual(['attachments', 'hasAttachments', 'id']);
    expect(structure.json.hasAttachments).toBe(true);
    expect(structure.json.attachments).toEqual([
      expect.objectContaining({ filename: 'figures.bin', size: 10 }),
    ]);
    expect(fetches()[0]).toMatch(/BODYSTRUCTURE/);
    expect(fetches().join(' ')).not.toMatch(/BODY\.PEEK\[1\]/);

    fresh(imap);
    const text = await get(path('a', '?fields=text'));
    expect(text.json).toEqual({ id, text: 'The figures are in.' });
    expect(fetches().join(' ')).toMatch(/BODY\.PEEK\[1\]/);
    expect(fetches()[0]).not.toMatch(/ENVELOPE|BODY\.PEEK\[HEADER\]/);

    const everything = await get(path());
    const all = await get(path('a', `?fields=${Object.keys(everything.json).join(',')}`));
    expect(all.json).toEqual(everything.json);
  });

  it('refuses an unknown field or an empty list (400), before reading anything', async () => {
    fresh(imap);
    for (const query of [
      '?fields=subject,nope',
      '?fields=',
      '?fields=,',
      '?fields=Subject',
      '?fields=sub%0Aject',
    ]) {
      const answer = await get(path('a', query));
      expect(answer.status, query).toBe(400);
      expect(answer.json.code).toBe('invalid_request');
    }
    expect(imap.commands).toHaveLength(0);
  });

  it('POP3: tags from the id and the query, a match costs no connection; fields work', async () => {
    const tag = await tagOf(path('p', '', popId));
    expect(await tagOf(path('p', '', popId))).toBe(tag);
    await pop.whenIdle();
    fresh(pop);
    const answer = await get(path('p', '', popId), { 'If-None-Match': tag });
    expect(answer.status).toBe(304);
    expect(answer.etag).toBe(tag);
    expect(pop.totalConnections).toBe(0);
    const few = await get(path('p', '?fields=subject,attachments', popId));
    expect(Object.keys(few.json).sort()).toEqual(['attachments', 'id', 'subject']);
    expect(few.etag).not.toBe(tag);
    expect((await get(path('p', '?fields=nope', popId))).status).toBe(400);
  });
});
