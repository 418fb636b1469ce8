import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMailgateClient,
  type MailgateClient,
  MailgateError,
  type MessageSummary,
  unwrap,
} from '../../lib/client/index.js';
import { type Gateway, startGateway } from '../support/gateway.js';
import { createMailUser, type MailUser } from '../support/mail-server.js';

/** The typed client against the real Node server and Dovecot, as a user of `mailgate/client` calls it. */

const plain = (subject: string) =>
  `From: Sender <sender@example.com>\r\nTo: alice@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.com>\r\n\r\nbody of ${subject}\r\n`;

/** Bytes no charset or line-ending conversion would keep: every byte value, CR and LF alone included. */
const ATTACHMENT = Uint8Array.from({ length: 1024 }, (_, i) => (i * 7) % 256);

const withAttachment = [
  'From: Sender <sender@example.com>',
  'To: alice@example.com',
  'Subject: with attachment',
  'Message-ID: <withattachment@example.com>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'see the attachment',
  '--b1',
  'Content-Type: application/octet-stream',
  "Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.bin",
  'Content-Transfer-Encoding: base64',
  '',
  ...(Buffer.from(ATTACHMENT)
    .toString('base64')
    .match(/.{1,76}/g) ?? []),
  '--b1--',
  '',
].join('\r\n');

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('the typed client against the real server', () => {
  let gateway: Gateway;
  let user: MailUser;
  let client: MailgateClient;
  /** Every request the client sent, as `METHOD path?query`, to count pages and check the route used. */
  const sent: string[] = [];
  const unread = ['u1', 'u2', 'u3', 'u4', 'u5'];

  beforeAll(async () => {
    gateway = await startGateway();
    user = await createMailUser('client');
    await user.seed('INBOX', [
      ...unread.map((subject) => ({ raw: plain(subject) })),
      { raw: plain('already read'), flags: ['\\Seen'] },
      { raw: withAttachment, flags: ['\\Seen'] },
    ]);
    await gateway.addAccount('me', user.account());
    const token = await gateway.token(['me'], 'write');
    client = createMailgateClient({
      baseUrl: gateway.url,
      token,
      fetch: (request) => {
        const url = new URL(request.url);
        sent.push(`${request.method} ${url.pathname}${url.search}`);
        return fetch(request);
      },
    });
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
  });

  async function byName(subject: string): Promise<MessageSummary> {
    for await (const m of client.messages('me', 'INBOX', { subject })) if (m.subject === subject) return m;
    throw new Error(`no message '${subject}'`);
  }

  it('iterates the unread messages across pages, following nextCursor', async () => {
    sent.length = 0;
    const subjects: string[] = [];
    for await (const m of client.messages('me', 'INBOX', { seen: false, limit: 2 })) {
      expect(m.seen).toBe(false);
      subjects.push(m.subject ?? '');
    }
    expect(subjects).toEqual([...unread].reverse());
    // 5 unread at 2 a page: three requests, the later two with the cursor of the one before.
    expect(sent).toHaveLength(3);
    expect(sent[0]).toBe('GET /v1/accounts/me/mailboxes/INBOX/messages?seen=false&limit=2');
    expect(sent.slice(1).every((line) => /[?&]cursor=/.test(line))).toBe(true);
  });

  it('walks the pages themselves with pages()', async () => {
    const sizes: number[] = [];
    const totals: Array<number | null> = [];
    for await (const page of client.messages('me', '~inbox', { limit: 3 }).pages()) {
      sizes.push(page.messages.length);
      totals.push(page.total);
    }
    expect(sizes).toEqual([3, 3, 1]);
    expect(totals).toEqual([7, 7, 7]);
  });

  it('gets a message by its account-level route', async () => {
    const summary = await byName('u2');
    sent.length = 0;
    const message = await client.getMessage('me', summary.id, { body: 'text' });
    expect(sent).toEqual([`GET /v1/accounts/me/messages/${summary.id}?body=text`]);
    expect(message).toMatchObject({ id: summary.id, subject: 'u2', mailbox: 'INBOX' });
    expect(message.text).toContain('body of u2');
  });

  it('updates flags and reads them back from the server', async () => {
    const summary = await byName('u3');
    const answer = await client.updateFlags('me', summary.id, { add: ['\\Flagged', '$Label1'] });
    expect(answer.flags).toEqual(expect.arrayContaining(['\\Flagged', '$Label1']));
    const onServer = await user.doveadm([
      'fetch',
      '-u',
      user.user,
      'flags',
      'mailbox',
      'INBOX',
      'header',
      'Subject',
      'u3',
    ]);
    expect(onServer).toContain('\\Flagged');
    expect(onServer).toContain('$Label1');
  });

  it('moves a message and reads it under its new id', async () => {
    const summary = await byName('u4');
    const moved = await client.moveMessage('me', summary.id, '~archive');
    expect(moved.mailbox).toBe('Archive');
    expect(moved.id).not.toBe(summary.id);
    const again = await client.getMessage('me', moved.id, { body: 'none' });
    expect(again).toMatchObject({ subject: 'u4', mailbox: 'Archive' });
  });

  it('downloads the raw message as a stream, byte for byte', async () => {
    const summary = await byName('with attachment');
    const download = await client.downloadRaw('me', summary.id);
    expect(download.body).toBeInstanceOf(ReadableStream);
    // Nothing was read before the caller reads: the client hands the stream over untouched.
    expect(download.response.bodyUsed).toBe(false);
    expect(download.contentType).toMatch(/^message\/rfc822/);
    const bytes = await bytesOf(download.body);
    expect(bytes.equals(Buffer.from(withAttachment))).toBe(true);
    // The raw size is known before the first byte (RFC822.SIZE): sent, and surfaced as a number.
    expect(download.contentLength).toBe(bytes.length);
    expect(download.etag).toMatch(/^"/);
  });

  it('downloads an attachment as a stream with its type, length and filename', async () => {
    const summary = await byName('with attachment');
    const message = await client.getMessage('me', summary.id);
    expect(message.attachments).toHaveLength(1);
    const download = await client.downloadAttachment('me', summary.id, message.attachments[0]!.id);
    expect(download.contentType).toBe('application/octet-stream');
    expect(download.filename).toBe('résumé.bin');
    const bytes = await bytesOf(download.body);
    expect(bytes.equals(Buffer.from(ATTACHMENT))).toBe(true);
    // A base64 part's decoded size is only estimated in advance: no Content-Length, so none surfaced.
    expect(download.response.headers.get('content-length')).toBeNull();
    expect(download.contentLength).toBeNull();
  });

  it('throws a MailgateError with the problem for an unknown message', async () => {
    const summary = await byName('u1');
    // The id of a message that is gone: moved to Trash (200 and its ref), then removed for good (204, null).
    const unknown = await client.deleteMessage('me', (await byName('u5')).id);
    expect(unknown?.mailbox).toBe('Trash');
    expect(await client.deleteMessage('me', unknown!.id, { permanent: true })).toBeNull();
    const error = await client.getMessage('me', unknown!.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailgateError);
    const problem = error as MailgateError;
    expect(problem.status).toBe(404);
    expect(problem.code).toBe('message_not_found');
    expect(problem.problem).toMatchObject({ status: 404, code: 'message_not_found' });
    expect(problem.title).toBeTypeOf('string');
    expect(problem.detail).toBeTypeOf('string');
    // The same answer through the raw typed client: openapi-fetch's error, and unwrap throws it.
    const raw = await client.api.GET('/v1/accounts/{account}/messages/{id}', {
      params: { path: { account: 'me', id: unknown!.id } },
    });
    expect(raw.error).toMatchObject({ code: 'message_not_found', status: 404 });
    expect(() => unwrap(raw)).toThrow(MailgateError);
    // A download's error answer is the same kind of error.
    await expect(client.downloadRaw('me', unknown!.id)).rejects.toMatchObject({
      name: 'MailgateError',
      status: 404,
      code: 'message_not_found',
    });
    // The client still reads a message it knows.
    expect((await client.getMessage('me', summary.id, { body: 'none' })).subject).toBe('u1');
  });

  it('answers 401 unauthorized as a MailgateError for a bad token', async () => {
    const stranger = createMailgateClient({ baseUrl: gateway.url, token: 'not-a-token' });
    const error = await stranger.accounts().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailgateError);
    expect(error).toMatchObject({ status: 401, code: 'unauthorized' });
    expect((error as MailgateError).response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });
});
