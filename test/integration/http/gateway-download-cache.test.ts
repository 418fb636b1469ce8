import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import { type Gateway, startGateway } from '../../support/gateway.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';

/**
 * Conditional downloads through the real gateway and Dovecot: the raw source
 * and each attachment carry a strong ETag made from the account, the id and
 * the part, and an If-None-Match that holds it is answered 304 without any
 * connection to the mail server (counted at a proxy in front of it), after
 * the token was checked.
 */

const IMMUTABLE = 'private, max-age=31536000, immutable';
const STRONG_TAG = /^"[A-Za-z0-9_-]{27}"$/;

function withAttachment(subject: string): string {
  return [
    'From: Sender <sender@example.com>',
    'To: alice@example.com',
    `Subject: ${subject}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="sep"',
    '',
    '--sep',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `body of ${subject}`,
    '--sep',
    'Content-Type: application/octet-stream; name="data.bin"',
    'Content-Disposition: attachment; filename="data.bin"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(`bytes of ${subject}`).toString('base64'),
    '--sep--',
    '',
  ].join('\r\n');
}

describe('conditional raw and attachment downloads', () => {
  let gateway: Gateway;
  let user: MailUser;
  let imap: FaultProxy;
  let pop: FaultProxy;
  let token: string;
  let ids: Record<string, string>;
  let attachmentId: string;
  let popId: string;

  beforeAll(async () => {
    gateway = await startGateway();
    user = await createMailUser('download-cache');
    await user.seed('INBOX', [{ raw: withAttachment('first') }, { raw: withAttachment('second') }]);
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
    token = await gateway.token(['a', 'b', 'p'], 'read');
    const list = async (account: string) => {
      const response = await gateway.get(`/v1/accounts/${account}/mailboxes/INBOX/messages`, token);
      expect(response.status).toBe(200);
      return ((await response.json()) as { messages: Array<{ id: string; subject: string }> }).messages;
    };
    const listed = await list('a');
    ids = Object.fromEntries(listed.map((m) => [m.subject, m.id]));
    const message = await gateway.get(`/v1/accounts/a/messages/${ids.first}`, token);
    attachmentId = ((await message.json()) as { attachments: Array<{ id: string }> }).attachments[0]!.id;
    popId = (await list('p')).find((m) => m.subject === 'first')!.id;
  });

  afterAll(async () => {
    await gateway?.close();
    await imap?.close();
    await pop?.close();
  });

  const raw = (account: string, id: string) => `/v1/accounts/${account}/messages/${id}/raw`;
  const part = (account: string, id: string, attachment: string) =>
    `/v1/accounts/${account}/messages/${id}/attachments/${encodeURIComponent(attachment)}`;

  async function download(path: string, headers: Record<string, string> = {}, bearer = token) {
    const response = await gateway.get(path, bearer, { headers });
    const body = Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, body };
  }

  async function tagOf(path: string): Promise<string> {
    const answer = await download(path);
    expect(answer.status, path).toBe(200);
    expect(answer.headers.get('cache-control')).toBe(IMMUTABLE);
    const etag = answer.headers.get('etag');
    expect(etag).toMatch(STRONG_TAG);
    return etag!;
  }

  /** Waits until the proxy holds no connection and forgets what it saw. */
  async function quiet(proxy: FaultProxy): Promise<void> {
    await proxy.whenIdle();
    proxy.reset();
  }

  it('tags the source and each attachment strongly and stably; another id, part or account is another tag', async () => {
    const first = await tagOf(raw('a', ids.first!));
    expect(await tagOf(raw('a', ids.first!))).toBe(first);
    const attachment = await tagOf(part('a', ids.first!, attachmentId));
    expect(await tagOf(part('a', ids.first!, attachmentId))).toBe(attachment);
    const tags = [
      first,
      attachment,
      await tagOf(raw('a', ids.second!)),
      await tagOf(part('a', ids.second!, attachmentId)),
      await tagOf(raw('b', ids.first!)),
      await tagOf(part('b', ids.first!, attachmentId)),
      await tagOf(`/v1/accounts/a/mailboxes/INBOX/messages/${ids.first}/raw`),
      await tagOf(raw('p', popId)),
    ];
    expect(new Set(tags).size).toBe(tags.length);
    // Nothing it was made from shows in the tag.
    for (const tag of tags) expect(tag).not.toContain(user.user);
  });

  it('answers a matching If-None-Match 304, with its validators and no body, without connecting', async () => {
    const paths = [raw('a', ids.first!), part('a', ids.first!, attachmentId)];
    for (const path of paths) {
      const etag = await tagOf(path);
      await quiet(imap);
      const forms = [etag, `W/${etag}`, `"other", ${etag}`, `"a,b" ,W/"x",  ${etag} , `, '*'];
      for (const ifNoneMatch of forms) {
        const answer = await download(path, { 'If-None-Match': ifNoneMatch });
        expect(answer.status, ifNoneMatch).toBe(304);
        expect(answer.body.length).toBe(0);
        expect(answer.headers.get('etag')).toBe(etag);
        expect(answer.headers.get('cache-control')).toBe(IMMUTABLE);
      }
      const head = await gateway.get(path, token, { method: 'HEAD', headers: { 'If-None-Match': etag } });
      expect(head.status).toBe(304);
      expect(imap.totalConnections).toBe(0);
      expect(imap.commands).toHaveLength(0);
    }
  });

  it('sends the bytes when no listed tag matches or the header is malformed', async () => {
    const path = raw('a', ids.first!);
    const etag = await tagOf(path);
    const expected = (await download(path)).body;
    await quiet(imap);
    const misses = [
      '"other"',
      etag.replace(/^"./, '"_'),
      `${etag.slice(0, -1)}`,
      `W/${etag}x`,
      `${etag};`,
      `"${'x'.repeat(9000)}", ${etag}`,
    ];
    for (const ifNoneMatch of misses) {
      const answer = await download(path, { 'If-None-Match': ifNoneMatch });
      expect(answer.status, ifNoneMatch).toBe(200);
      expect(answer.headers.get('etag')).toBe(etag);
      expect(answer.body.equals(expected)).toBe(true);
    }
    expect(imap.totalConnections).toBe(misses.length);
  });

  it('checks the token before any 304: another tenant, an admin token and no token are refused as before', async () => {
    const path = raw('a', ids.first!);
    const etag = await tagOf(path);
    const other = await gateway.token(['b'], 'read');
    const admin = await gateway.token('*', 'admin');
    await quiet(imap);
    const conditional = { 'If-None-Match': etag };
    expect((await download(path, conditional, other)).status).toBe(404);
    expect((await download(path, { 'If-None-Match': '*' }, other)).status).toBe(404);
    expect((await download(path, conditional, admin)).status).toBe(403);
    expect((await gateway.get(path, null, { headers: conditional })).status).toBe(401);
    expect(imap.totalConnections).toBe(0);
  });

  it('answers 404 for a malformed id or an id of another mailbox, never 304', async () => {
    await quiet(imap);
    const malformed = await download(raw('a', 'i!!'), { 'If-None-Match': '*' });
    expect(malformed.status).toBe(404);
    const elsewhere = await download(`/v1/accounts/a/mailboxes/Trash/messages/${ids.first}/raw`, {
      'If-None-Match': '*',
    });
    expect(elsewhere.status).toBe(404);
    const popIdOnImap = await download(raw('a', popId), { 'If-None-Match': '*' });
    expect(popIdOnImap.status).toBe(404);
    expect(imap.totalConnections).toBe(0);
  });

  it('does the same for POP3 (a UIDL names one message for as long as it exists)', async () => {
    const path = raw('p', popId);
    const etag = await tagOf(path);
    const popAttachment = await gateway.get(`/v1/accounts/p/messages/${popId}`, token);
    const popPart = ((await popAttachment.json()) as { attachments: Array<{ id: string }> }).attachments[0]!
      .id;
    const partTag = await tagOf(part('p', popId, popPart));
    expect(partTag).not.toBe(etag);
    await quiet(pop);
    expect((await download(path, { 'If-None-Match': etag })).status).toBe(304);
    expect((await download(part('p', popId, popPart), { 'If-None-Match': partTag })).status).toBe(304);
    expect(pop.totalConnections).toBe(0);
    expect((await download(path, { 'If-None-Match': partTag })).status).toBe(200);
    expect(pop.totalConnections).toBe(1);
  });
});
