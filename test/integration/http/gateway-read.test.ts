import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BigMessage, buildBigMessage } from '../../../lib/devmail/big-message.js';
import { type Gateway, startGateway } from '../../support/gateway.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

interface Summary {
  id: string;
  subject: string | null;
  flags: string[];
  hasAttachments: boolean;
}

function plain(subject: string, body = 'hello'): string {
  return `From: Sender <sender@example.com>\r\nTo: alice@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.com>\r\n\r\n${body}\r\n`;
}

describe('reading mail through the real server', () => {
  let gateway: Gateway;
  let user: MailUser;
  let token: string;
  let big: BigMessage;
  const base = '/v1/accounts/acct/mailboxes';
  const messages = '/v1/accounts/acct/messages';

  beforeAll(async () => {
    gateway = await startGateway();
    user = await createMailUser('read');
    big = buildBigMessage(25 * 1024 * 1024);
    await user.seed('INBOX', [
      { raw: plain('first') },
      { raw: plain('second'), flags: ['\\Flagged'] },
      { raw: big.raw },
    ]);
    await user.seed('Sent', [{ raw: plain('sent one'), flags: ['\\Seen'] }]);
    await gateway.addAccount('acct', user.account());
    token = await gateway.token(['acct'], 'write');
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
  });

  async function list(
    path: string,
  ): Promise<{ messages: Summary[]; nextCursor: string | null; total: number }> {
    const response = await gateway.get(path, token);
    expect(response.status).toBe(200);
    return (await response.json()) as { messages: Summary[]; nextCursor: string | null; total: number };
  }

  it('lists newest first, by path and by role', async () => {
    const page = await list(`${base}/INBOX/messages`);
    expect(page.messages.map((m) => m.subject)).toEqual(['A large attachment', 'second', 'first']);
    expect(page.total).toBe(3);
    expect(page.messages[0]!.hasAttachments).toBe(true);
    // Fresh messages are \Recent to the first session that sees them; that is session state, not a flag of the message.
    expect(page.messages.flatMap((m) => m.flags)).not.toContain('\\Recent');
    expect(page.messages[1]!.flags).toEqual(['\\Flagged']);
    const sent = await list(`${base}/~sent/messages`);
    expect(sent.messages.map((m) => m.subject)).toEqual(['sent one']);
  });

  it('gives the same ids whichever way INBOX is spelled', async () => {
    const lower = await list(`${base}/inbox/messages`);
    const id = lower.messages[1]!.id;
    // The canonical route, and the deprecated alias under INBOX spelled otherwise.
    for (const path of [`${messages}/${id}`, `${base}/INBOX/messages/${id}`]) {
      const response = await gateway.get(path, token);
      expect(response.status, path).toBe(200);
      expect(await response.json()).toMatchObject({ subject: 'second', mailbox: 'INBOX' });
    }
    const byRole = await list(`${base}/~inbox/messages`);
    expect(byRole.messages.map((m) => m.id)).toEqual(lower.messages.map((m) => m.id));
  });

  it('reads a message without changing its flags on the server', async () => {
    const before = await user.doveadm(['fetch', '-u', user.user, 'uid flags', 'mailbox', 'INBOX', 'all']);
    const [latest] = (await list(`${base}/INBOX/messages`)).messages;
    const response = await gateway.get(`${messages}/${latest!.id}`, token);
    expect(response.status).toBe(200);
    const message = (await response.json()) as { text: string; attachments: Array<{ downloadUrl: string }> };
    expect(message.text).toContain('The archive is attached.');
    expect(await user.doveadm(['fetch', '-u', user.user, 'uid flags', 'mailbox', 'INBOX', 'all'])).toBe(
      before,
    );
  });

  it('sets \\Seen only when markSeen=true is asked with a write token', async () => {
    const [, second] = (await list(`${base}/INBOX/messages`)).messages;
    const response = await gateway.get(`${messages}/${second!.id}?markSeen=true`, token);
    expect(response.status).toBe(200);
    const flags = await user.doveadm(['fetch', '-u', user.user, 'flags', 'mailbox', 'INBOX', 'uid', '2']);
    expect(flags).toContain('\\Seen');
  });

  it('streams the raw source and a 25 MB attachment byte-exact', async () => {
    const [latest] = (await list(`${base}/INBOX/messages`)).messages;
    const raw = await gateway.get(`${messages}/${latest!.id}/raw`, token);
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toMatch(/^message\/rfc822/);
    expect(sha256(new Uint8Array(await raw.arrayBuffer()))).toBe(sha256(big.raw));

    const message = (await (await gateway.get(`${messages}/${latest!.id}`, token)).json()) as {
      attachments: Array<{ downloadUrl: string; filename: string; size: number }>;
    };
    const [attachment] = message.attachments;
    expect(attachment!.filename).toBe(big.filename);
    expect(Math.abs(attachment!.size - big.attachment.length) / big.attachment.length).toBeLessThan(0.02);
    const url = new URL(attachment!.downloadUrl);
    expect(url.pathname.startsWith(`${messages}/${latest!.id}/attachments/`), url.pathname).toBe(true);
    const download = await gateway.get(url.pathname, token);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toContain(big.filename);
    expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(big.attachmentSha256);
  });

  it('pages with limit=10 while 25 messages arrive, returning every earlier message exactly once', async () => {
    const paging = await createMailUser('paging');
    await paging.seed(
      'INBOX',
      Array.from({ length: 37 }, (_, i) => ({ raw: plain(`old ${i}`) })),
    );
    await gateway.addAccount('paging', paging.account());
    const pagingToken = await gateway.token(['paging'], 'read');
    const seen: string[] = [];
    let cursor: string | null = null;
    let arrived = 0;
    do {
      const query = cursor ? `?limit=10&cursor=${encodeURIComponent(cursor)}` : '?limit=10';
      const response = await gateway.get(`/v1/accounts/paging/mailboxes/INBOX/messages${query}`, pagingToken);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { messages: Summary[]; nextCursor: string | null };
      seen.push(...page.messages.map((m) => m.subject ?? ''));
      cursor = page.nextCursor;
      if (arrived < 25) {
        const batch = Array.from({ length: 7 }, (_, i) => ({ raw: plain(`new ${arrived + i}`) })).slice(
          0,
          25 - arrived,
        );
        await paging.seed('INBOX', batch);
        arrived += batch.length;
      }
    } while (cursor);
    const old = seen.filter((s) => s.startsWith('old '));
    expect(old).toHaveLength(37);
    expect(new Set(old).size).toBe(37);
    expect(old).toEqual(Array.from({ length: 37 }, (_, i) => `old ${36 - i}`));
    expect(seen.filter((s) => s.startsWith('new '))).toEqual([]);
  });

  it('lists the mailbox tree with roles and counts', async () => {
    const response = await gateway.get(`${base}?counts=true`, token);
    expect(response.status).toBe(200);
    const { mailboxes } = (await response.json()) as {
      mailboxes: Array<{ path: string; role: string | null; total: number }>;
    };
    expect(mailboxes.find((m) => m.path === 'INBOX')).toMatchObject({ role: 'inbox', total: 3 });
    expect(mailboxes.find((m) => m.path === 'Sent')).toMatchObject({ role: 'sent', total: 1 });
  });
});
