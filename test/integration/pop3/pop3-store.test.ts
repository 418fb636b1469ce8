import { createHash } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Account, AccountDocument } from '../../../lib/credentials/account.js';
import { encodePop3MessageId } from '../../../lib/mail/ids.js';
import { silentLogger } from '../../../lib/mail/logger.js';
import type { MailboxRef } from '../../../lib/mail/types.js';
import { createPop3Client, Pop3MailStore } from '../../../lib/pop3/index.js';
import { type FaultProxy, startFaultProxy, withoutCapability } from '../../support/fault-proxy.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';

const INBOX: MailboxRef = { kind: 'role', role: 'inbox' };
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Every byte pattern POP3 transport can damage: leading dots, 8-bit text, control bytes, a terminator lookalike. */
const attachmentBytes = Buffer.from([0x00, 0x01, 0x0d, 0x0a, 0x2e, 0x0d, 0x0a, 0x1f, 0xe9, 0x7f, 0x2e, 0x2e]);
const trickyMessage = Buffer.concat([
  Buffer.from(
    'From: Zo\xe9 <zoe@example.test>\r\nTo: bob@example.test\r\nSubject: dots\r\n' +
      'Date: Tue, 03 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n' +
      'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n' +
      'Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' +
      '.leading dot\r\n..two dots\r\n> quoted: "\r\n.\r\n" end\r\ncaf\xe9\r\n--b1\r\n' +
      'Content-Type: application/octet-stream; name="bytes.bin"\r\n' +
      'Content-Disposition: attachment; filename="bytes.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n',
    'latin1',
  ),
  Buffer.from(`${attachmentBytes.toString('base64')}\r\n--b1--\r\n`),
]);

let user: MailUser;
const stores: Pop3MailStore[] = [];
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  user = await createMailUser('pop3');
  await user.seed('INBOX', [
    { raw: 'Subject: first\r\n\r\none\r\n' },
    { raw: trickyMessage },
    { raw: 'Subject: third\r\nReceived: from a by b; Wed, 04 Nov 2026 08:30:00 +0100\r\n\r\nthree\r\n' },
  ]);
});

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const proxy of proxies.splice(0)) await proxy.close();
});

function account(overrides: Partial<AccountDocument> = {}, owner = user): Account {
  return {
    id: 'pop',
    ...owner.account({ protocol: 'pop3', port: user.server.ports.pop3s, tls: 'implicit', ...overrides }),
  } as Account;
}

function openStore(overrides: Partial<AccountDocument> = {}, owner = user): Pop3MailStore {
  const store = new Pop3MailStore(account(overrides, owner), {
    signal: new AbortController().signal,
    logger: silentLogger,
  });
  stores.push(store);
  return store;
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function uids(owner = user): Promise<string[]> {
  const client = createPop3Client({ ...account({}, owner), commandTimeoutMs: 10_000 });
  await client.connect();
  const list = await client.uidl();
  client.close();
  return list.map((entry) => entry.uid);
}

describe('Pop3MailStore against Dovecot', () => {
  it('lists newest first with summaries from the headers', async () => {
    const page = await openStore().listMessages(INBOX, { limit: 10, filter: {} });
    expect(page.messages.map((m) => m.subject)).toEqual(['third', 'dots', 'first']);
    expect(page.messages[0]!.receivedAt).toBe('2026-11-04T07:30:00.000Z');
    expect(page.messages[1]).toMatchObject({
      from: { name: 'Zoé', address: 'zoe@example.test' },
      receivedAt: null,
    });
    expect(page.total).toBe(3);
  });

  it('returns the raw message byte-identical over implicit TLS', async () => {
    const [, uid] = await uids();
    const download = await openStore().openRaw(INBOX, encodePop3MessageId(uid!));
    expect(sha256(await readAll(download.body))).toBe(sha256(trickyMessage));
  });

  it('returns the same bytes over STLS, and the decoded attachment exactly', async () => {
    const [, uid] = await uids();
    const store = openStore({ port: user.server.ports.pop3, tls: 'starttls' });
    const id = encodePop3MessageId(uid!);
    const message = await store.getMessage(INBOX, id, { body: 'text', maxBodyBytes: null, markSeen: false });
    expect(message.text).toBe('.leading dot\r\n..two dots\r\n> quoted: "\r\n.\r\n" end\r\ncafé');
    expect(message.attachments).toEqual([expect.objectContaining({ filename: 'bytes.bin', size: 12 })]);
    const attachment = await store.openAttachment(INBOX, id, message.attachments[0]!.id);
    expect((await readAll(attachment.body)).equals(attachmentBytes)).toBe(true);
  });

  it('refuses to log in when a proxy strips STLS from CAPA', async () => {
    const proxy = await startFaultProxy({
      target: { host: '127.0.0.1', port: user.server.ports.pop3 },
      transformToClient: withoutCapability('STLS'),
    });
    proxies.push(proxy);
    await expect(
      openStore({ port: proxy.port, tls: 'starttls' }).listMessages(INBOX, { limit: 1, filter: {} }),
    ).rejects.toMatchObject({ code: 'upstream_unavailable' });
    expect(proxy.commands.map((command) => command.line)).toEqual(['CAPA']);
  });

  it('reports a wrong password as upstream_auth_failed', async () => {
    await expect(openStore({ password: 'not-the-password' }).getMailbox(INBOX)).rejects.toMatchObject({
      code: 'upstream_auth_failed',
    });
  });

  it('keeps a message whose QUIT never reached the server, and deletes it after a clean QUIT', async () => {
    const target = await createMailUser('pop3del');
    await target.seed('INBOX', [
      { raw: 'Subject: keep me\r\n\r\nx\r\n' },
      { raw: 'Subject: other\r\n\r\ny\r\n' },
    ]);
    const [uid] = await uids(target);
    const proxy = await startFaultProxy({
      target: { host: '127.0.0.1', port: target.server.ports.pop3 },
      onCommand: (line) => (line === 'QUIT' ? 'cut' : 'forward'),
      cutBeforeForwarding: true,
    });
    proxies.push(proxy);
    const id = encodePop3MessageId(uid!);
    await expect(
      openStore({ port: proxy.port, tls: 'none', allowPlaintext: true }, target).deleteMessage(INBOX, id, {
        permanent: true,
      }),
    ).rejects.toMatchObject({ code: 'upstream_unavailable' });
    expect(proxy.commands.map((command) => command.line)).toContain(`DELE 1`);
    expect(await uids(target)).toContain(uid);

    await openStore({}, target).deleteMessage(INBOX, id, { permanent: true });
    expect(await uids(target)).not.toContain(uid);
  });
});
