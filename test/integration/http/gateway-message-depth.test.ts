import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../../support/gateway.js';
import { createMailUser } from '../../support/mail-server.js';

interface MessageJson {
  subject: string | null;
  text: string | null;
  textTruncated: boolean;
  structureTruncated: boolean;
  attachments: Array<{ filename: string | null; downloadUrl: string }>;
}

const PDF = Buffer.from('%PDF-1.4 a small attachment\n');

/** A text part and a PDF, then multiparts nested `depth` levels deep around one more text part. */
function deeplyNested(depth: number): string {
  let inner = 'Content-Type: text/plain\r\n\r\ninnermost\r\n';
  for (let i = depth; i > 0; i -= 1) {
    inner = `Content-Type: multipart/mixed; boundary="n${i}"\r\n\r\n--n${i}\r\n${inner}--n${i}--\r\n`;
  }
  return [
    'From: sender@example.com',
    'Subject: deep',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="top"',
    '',
    '--top',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'the text on top',
    '--top',
    'Content-Type: application/pdf; name="small.pdf"',
    'Content-Disposition: attachment; filename="small.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    PDF.toString('base64'),
    `--top\r\n${inner}--top--`,
    '',
  ].join('\r\n');
}

const PLAIN = 'From: sender@example.com\r\nSubject: plain\r\n\r\nhello world\r\n';

describe.each([
  ['imap', (ports: { imaps: number; pop3s: number }) => ({ protocol: 'imap' as const, port: ports.imaps })],
  ['pop3', (ports: { imaps: number; pop3s: number }) => ({ protocol: 'pop3' as const, port: ports.pop3s })],
])('a message over %s', (protocol, accountFor) => {
  let gateway: Gateway;
  let token: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    gateway = await startGateway();
    const user = await createMailUser(`depth-${protocol}`);
    await user.seed('INBOX', [{ raw: PLAIN }, { raw: deeplyNested(120) }]);
    await gateway.addAccount('acct', user.account(accountFor(user.server.ports)));
    token = await gateway.token(['acct'], 'read');
    const page = (await (await gateway.get('/v1/accounts/acct/mailboxes/INBOX/messages', token)).json()) as {
      messages: Array<{ id: string; subject: string }>;
    };
    for (const message of page.messages) ids[message.subject] = message.id;
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
  });

  async function get(subject: string, query = ''): Promise<MessageJson> {
    const response = await gateway.get(`/v1/accounts/acct/messages/${ids[subject]}${query}`, token);
    expect(response.status).toBe(200);
    return (await response.json()) as MessageJson;
  }

  it('nested 120 levels deep answers 200 with what lies above the limit, and says so', async () => {
    const message = await get('deep');
    expect(message.structureTruncated).toBe(true);
    expect(message.text).toContain('the text on top');
    expect(message.attachments.map((attachment) => attachment.filename)).toEqual(['small.pdf']);
    const download = await fetch(message.attachments[0]!.downloadUrl, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(PDF);
  });

  it('says nothing is cut from an ordinary message', async () => {
    expect((await get('plain')).structureTruncated).toBe(false);
  });

  it.each(['9007199254740991', '4294967295', '2097152'])(
    'with maxBodyBytes=%s returns the whole short text, not an empty one',
    async (max) => {
      const message = await get('plain', `?maxBodyBytes=${max}`);
      expect(message.text?.trim()).toBe('hello world');
      expect(message.textTruncated).toBe(false);
    },
  );

  it('with a small maxBodyBytes cuts the text and says so', async () => {
    const message = await get('plain', '?maxBodyBytes=5');
    expect(message.text).toBe('hello');
    expect(message.textTruncated).toBe(true);
  });
});
