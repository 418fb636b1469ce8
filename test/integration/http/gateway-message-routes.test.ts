import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_INLINE_PATH_BYTES, parseImapMessageId } from '../../../lib/mail/ids.js';
import { type Gateway, startGateway } from '../../support/gateway.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';
import { commandNames, commandsDuring } from '../imap/imap-test-kit.js';

/**
 * The account-level message routes (`/v1/accounts/{account}/messages/{id}`
 * and below) against the real Dovecot: an id taken from a list is all a
 * client needs, whatever mailbox the message is in.
 */

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** 3,000 bytes covering every byte value, so any transfer-decoding slip shows. */
const ATTACHMENT = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));

function withAttachment(subject: string): string {
  const base64 = ATTACHMENT.toString('base64').replace(/(.{76})/g, '$1\r\n');
  return [
    'From: Sender <sender@example.com>',
    'To: alice@example.com',
    `Subject: ${subject}`,
    `Message-ID: <${createHash('sha1').update(subject).digest('hex')}@example.com>`,
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
    base64,
    '--sep--',
    '',
  ].join('\r\n');
}

/** Five levels, non-ASCII names: over MAX_INLINE_PATH_BYTES of UTF-8, so ids carry a hash of it. */
const longPath = (leaf: string) =>
  `Kunden/Größere Projekte 2026/Ausschreibungen und Angebote für öffentliche Auftraggeber/Überarbeitete Entwürfe der Geschäftsführung/${leaf}`;
const LONG = longPath('Ältere Fassungen');
const NESTED = 'Projects/2026';

interface Summary {
  id: string;
  subject: string;
  mailbox: string;
}

interface MessageJson extends Summary {
  text: string;
  flags: string[];
  rawUrl: string;
  attachments: Array<{ id: string; filename: string; downloadUrl: string }>;
}

interface Problem {
  code: string;
}

describe('account-level message routes on IMAP', () => {
  let gateway: Gateway;
  let user: MailUser;
  let token: string;
  const account = '/v1/accounts/m';
  const messages = `${account}/messages`;
  const mailbox = (path: string) => `${account}/mailboxes/${encodeURIComponent(path)}`;

  beforeAll(async () => {
    gateway = await startGateway();
    user = await createMailUser('message-routes');
    await gateway.addAccount('m', user.account());
    token = await gateway.token(['m'], 'write');
    expect((await send(`${account}/mailboxes`, 'POST', { path: NESTED })).status).toBe(201);
  });

  afterAll(async () => {
    await gateway?.close();
  });

  const send = (path: string, method = 'GET', body?: unknown) =>
    gateway.get(path, token, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  /** Seeds messages into `path` (created when missing) and returns their ids, as a list gives them. */
  async function seed(path: string, subjects: string[]): Promise<Record<string, string>> {
    await user.seed(
      path,
      subjects.map((subject) => ({ raw: withAttachment(subject) })),
    );
    const listed = await list(path);
    return Object.fromEntries(
      subjects.map((subject) => [subject, listed.find((m) => m.subject === subject)!.id]),
    );
  }

  async function list(path: string): Promise<Summary[]> {
    const response = await send(`${mailbox(path)}/messages?limit=200`);
    expect(response.status, path).toBe(200);
    return ((await response.json()) as { messages: Summary[] }).messages;
  }

  async function read(id: string): Promise<MessageJson> {
    const response = await send(`${messages}/${id}`);
    expect(response.status).toBe(200);
    return (await response.json()) as MessageJson;
  }

  async function problem(response: Response): Promise<Problem> {
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    return (await response.json()) as Problem;
  }

  const serverSubjects = async (path: string) =>
    (await user.doveadm(['fetch', '-u', user.user, 'hdr.subject', 'mailbox', path, 'all']))
      .split('\n')
      .filter((line) => line.startsWith('hdr.subject: '))
      .map((line) => line.slice('hdr.subject: '.length))
      .sort();

  const serverFlags = async (path: string, subject: string) =>
    user.doveadm(['fetch', '-u', user.user, 'flags', 'mailbox', path, 'header', 'Subject', subject]);

  describe('each route, for an id taken from a list, with no mailbox in the URL', () => {
    it('GET …/messages/{id} reads the message, with canonical links', async () => {
      const { 'get me': id } = await seed('INBOX', ['get me']);
      const message = await read(id!);
      expect(message).toMatchObject({ id, subject: 'get me', mailbox: 'INBOX' });
      expect(message.text).toContain('body of get me');
      expect(message.rawUrl).toBe(`${gateway.url}${messages}/${id}/raw`);
      const [attachment] = message.attachments;
      expect(attachment).toMatchObject({ filename: 'data.bin' });
      expect(attachment!.downloadUrl).toBe(
        `${gateway.url}${messages}/${id}/attachments/${encodeURIComponent(attachment!.id)}`,
      );
    });

    it('GET …/messages/{id}/raw streams the source byte for byte', async () => {
      const { 'raw me': id } = await seed('INBOX', ['raw me']);
      const response = await send(`${messages}/${id}/raw`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^message\/rfc822/);
      expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(
        sha256(Buffer.from(withAttachment('raw me'))),
      );
    });

    it('GET …/messages/{id}/attachments/{attachmentId} streams the decoded part', async () => {
      const { 'attach me': id } = await seed('INBOX', ['attach me']);
      const [attachment] = (await read(id!)).attachments;
      const response = await send(new URL(attachment!.downloadUrl).pathname);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-disposition')).toContain('data.bin');
      expect(Buffer.from(await response.arrayBuffer()).equals(ATTACHMENT)).toBe(true);
    });

    it('PATCH …/messages/{id} sets flags on the server', async () => {
      const { 'flag me': id } = await seed('INBOX', ['flag me']);
      const response = await send(`${messages}/${id}`, 'PATCH', { flags: { add: ['\\Flagged', '$Todo'] } });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ id, flags: expect.arrayContaining(['\\Flagged', '$Todo']) });
      const flags = await serverFlags('INBOX', 'flag me');
      expect(flags).toContain('\\Flagged');
      expect(flags).toContain('$Todo');
    });

    it('POST …/messages/{id}/move moves it; the new id works, the old one is gone', async () => {
      const { 'move me': id } = await seed('INBOX', ['move me']);
      const response = await send(`${messages}/${id}/move`, 'POST', { to: '~archive' });
      expect(response.status).toBe(200);
      const moved = (await response.json()) as { id: string; mailbox: string };
      expect(moved.mailbox).toBe('Archive');
      expect(await serverSubjects('Archive')).toContain('move me');
      expect(await serverSubjects('INBOX')).not.toContain('move me');
      expect(await read(moved.id)).toMatchObject({ subject: 'move me', mailbox: 'Archive' });
      const old = await send(`${messages}/${id}`);
      expect(old.status).toBe(404);
      expect((await problem(old)).code).toBe('message_not_found');
    });

    it('POST …/messages/{id}/copy copies it; both ids work', async () => {
      const { 'copy me': id } = await seed('INBOX', ['copy me']);
      const response = await send(`${messages}/${id}/copy`, 'POST', { to: NESTED });
      expect(response.status).toBe(200);
      const copy = (await response.json()) as { id: string; mailbox: string };
      expect(copy).toMatchObject({ mailbox: NESTED });
      expect(copy.id).not.toBe(id);
      expect(await serverSubjects('INBOX')).toContain('copy me');
      expect(await serverSubjects(NESTED)).toContain('copy me');
      expect(await read(copy.id)).toMatchObject({ subject: 'copy me', mailbox: NESTED });
      expect(await read(id!)).toMatchObject({ subject: 'copy me', mailbox: 'INBOX' });
    });

    it('DELETE …/messages/{id} moves it to Trash; deleting it there removes it for good', async () => {
      const { 'trash me': id } = await seed('INBOX', ['trash me']);
      const response = await send(`${messages}/${id}`, 'DELETE');
      expect(response.status).toBe(200);
      const trashed = (await response.json()) as { id: string; mailbox: string };
      expect(trashed.mailbox).toBe('Trash');
      expect(await serverSubjects('INBOX')).not.toContain('trash me');
      expect(await serverSubjects('Trash')).toContain('trash me');
      expect(await read(trashed.id)).toMatchObject({ subject: 'trash me', mailbox: 'Trash' });

      const again = await send(`${messages}/${trashed.id}`, 'DELETE');
      expect(again.status).toBe(204);
      expect(await serverSubjects('Trash')).not.toContain('trash me');
    });

    it('DELETE …/messages/{id}?permanent=true expunges exactly that message', async () => {
      const { 'expunge me': id, 'keep me': kept } = await seed('INBOX', ['expunge me', 'keep me']);
      const response = await send(`${messages}/${id}?permanent=true`, 'DELETE');
      expect(response.status).toBe(204);
      expect(await serverSubjects('INBOX')).not.toContain('expunge me');
      expect(await serverSubjects('INBOX')).toContain('keep me');
      expect(await serverSubjects('Trash')).not.toContain('expunge me');
      expect((await read(kept!)).subject).toBe('keep me');
      const gone = await send(`${messages}/${id}`);
      expect(gone.status).toBe(404);
      expect((await problem(gone)).code).toBe('message_not_found');
    });
  });

  describe('messages of any mailbox', () => {
    it(`serves a nested mailbox (${NESTED}) from the id alone, with no extra LIST`, async () => {
      const { nested: id } = await seed(NESTED, ['nested']);
      expect(parseImapMessageId(id!).path).toBe(NESTED);
      const commands = await commandsDuring(user, async () => {
        expect(await read(id!)).toMatchObject({ subject: 'nested', mailbox: NESTED });
      });
      expect(commandNames(commands)).not.toContain('LIST');
      const raw = await send(`${messages}/${id}/raw`);
      expect(sha256(new Uint8Array(await raw.arrayBuffer()))).toBe(
        sha256(Buffer.from(withAttachment('nested'))),
      );
      const flagged = await send(`${messages}/${id}`, 'PATCH', { flags: { add: ['\\Seen'] } });
      expect(flagged.status).toBe(200);
      expect(await serverFlags(NESTED, 'nested')).toContain('\\Seen');
    });

    it('serves a mailbox whose path is over 140 bytes of UTF-8, resolving its hashed id by LIST', async () => {
      expect(Buffer.byteLength(LONG, 'utf8')).toBeGreaterThan(MAX_INLINE_PATH_BYTES);
      const { 'long one': id, 'long two': other } = await seed(LONG, ['long one', 'long two']);
      expect(parseImapMessageId(id!).path).toBeNull();
      expect(id!.length).toBeLessThanOrEqual(200);

      const commands = await commandsDuring(user, async () => {
        expect(await read(id!)).toMatchObject({ subject: 'long one', mailbox: LONG });
      });
      expect(commandNames(commands)).toContain('LIST');

      const raw = await send(`${messages}/${id}/raw`);
      expect(raw.status).toBe(200);
      expect(sha256(new Uint8Array(await raw.arrayBuffer()))).toBe(
        sha256(Buffer.from(withAttachment('long one'))),
      );
      const [attachment] = (await read(id!)).attachments;
      const download = await send(new URL(attachment!.downloadUrl).pathname);
      expect(Buffer.from(await download.arrayBuffer()).equals(ATTACHMENT)).toBe(true);

      const flagged = await send(`${messages}/${id}`, 'PATCH', { flags: { add: ['\\Flagged'] } });
      expect(flagged.status).toBe(200);
      expect(await serverFlags(LONG, 'long one')).toContain('\\Flagged');
      expect(await serverFlags(LONG, 'long two')).not.toContain('\\Flagged');

      // Out of the long mailbox and back into it: the ids each move returns work too.
      const out = (await (await send(`${messages}/${other}/move`, 'POST', { to: 'Archive' })).json()) as {
        id: string;
      };
      expect(await read(out.id)).toMatchObject({ subject: 'long two', mailbox: 'Archive' });
      const back = await send(`${messages}/${out.id}/move`, 'POST', { to: LONG });
      expect(back.status).toBe(200);
      const backId = ((await back.json()) as { id: string }).id;
      expect(await read(backId)).toMatchObject({ subject: 'long two', mailbox: LONG });

      const deleted = await send(`${messages}/${id}?permanent=true`, 'DELETE');
      expect(deleted.status).toBe(204);
      expect(await serverSubjects(LONG)).toEqual(['long two']);
    });

    it('gives ids from a bulk move that work on the account-level routes', async () => {
      const seeded = await seed('INBOX', ['bulk a', 'bulk b', 'bulk c']);
      for (const to of [NESTED, LONG]) {
        const subjects = to === NESTED ? ['bulk a', 'bulk b'] : ['bulk c'];
        const response = await send(`${mailbox('INBOX')}/messages/bulk`, 'POST', {
          ids: subjects.map((subject) => seeded[subject]),
          action: 'move',
          to,
        });
        expect(response.status).toBe(200);
        const result = (await response.json()) as {
          done: number;
          failed: unknown[];
          ids: Record<string, string>;
        };
        expect(result.failed).toEqual([]);
        expect(result.done).toBe(subjects.length);
        for (const subject of subjects) {
          const newId = result.ids[seeded[subject]!];
          expect(newId, subject).toEqual(expect.any(String));
          expect(await read(newId!)).toMatchObject({ subject, mailbox: to });
          const raw = await send(`${messages}/${newId}/raw`);
          expect(sha256(new Uint8Array(await raw.arrayBuffer()))).toBe(
            sha256(Buffer.from(withAttachment(subject))),
          );
        }
      }
      expect(await serverSubjects(NESTED)).toEqual(expect.arrayContaining(['bulk a', 'bulk b']));
      expect(await serverSubjects(LONG)).toContain('bulk c');
    });
  });

  describe('ids that no longer name a message', () => {
    it.each([
      ['an inline path', 'Recreated'],
      ['a hashed path', longPath('Neu angelegt')],
    ])(
      'answer 409 stale_message_id after the mailbox was recreated (%s), never touching the new message',
      async (_kind, path) => {
        const { 'before recreate': id } = await seed(path, ['before recreate']);
        const validity = async () =>
          (await user.doveadm(['mailbox', 'status', '-u', user.user, 'uidvalidity', path])).trim();
        const before = await validity();
        expect((await send(mailbox(path), 'DELETE')).status).toBe(204);
        expect((await send(`${account}/mailboxes`, 'POST', { path })).status).toBe(201);
        // The same UID exists again, in a mailbox with a new UIDVALIDITY.
        const { 'after recreate': fresh } = await seed(path, ['after recreate']);
        expect(await validity()).not.toBe(before);
        expect(parseImapMessageId(fresh!).key.uid).toBe(parseImapMessageId(id!).key.uid);

        for (const [route, method, body] of [
          [`${messages}/${id}`, 'GET', undefined],
          [`${messages}/${id}/raw`, 'GET', undefined],
          [`${messages}/${id}`, 'PATCH', { flags: { add: ['\\Flagged'] } }],
          [`${messages}/${id}/move`, 'POST', { to: 'Archive' }],
          [`${messages}/${id}`, 'DELETE', undefined],
        ] as const) {
          const response = await send(route, method, body);
          expect(response.status, `${method} ${route}`).toBe(409);
          expect((await problem(response)).code).toBe('stale_message_id');
        }
        expect(await serverSubjects(path)).toEqual(['after recreate']);
        expect(await serverFlags(path, 'after recreate')).not.toContain('\\Flagged');
        expect(await read(fresh!)).toMatchObject({ subject: 'after recreate', mailbox: path });
      },
    );

    it.each([
      ['an inline path', 'Dropped'],
      ['a hashed path', longPath('Verworfen')],
    ])('answer 404 message_not_found once the mailbox was deleted (%s)', async (_kind, path) => {
      const { doomed: id } = await seed(path, ['doomed']);
      expect((await send(mailbox(path), 'DELETE')).status).toBe(204);
      for (const [route, method, body] of [
        [`${messages}/${id}`, 'GET', undefined],
        [`${messages}/${id}/raw`, 'GET', undefined],
        [`${messages}/${id}/attachments/2`, 'GET', undefined],
        [`${messages}/${id}`, 'PATCH', { flags: { add: ['\\Seen'] } }],
        [`${messages}/${id}/move`, 'POST', { to: 'Archive' }],
        [`${messages}/${id}/copy`, 'POST', { to: 'Archive' }],
        [`${messages}/${id}?permanent=true`, 'DELETE', undefined],
      ] as const) {
        const response = await send(route, method, body);
        expect(response.status, `${method} ${route}`).toBe(404);
        expect((await problem(response)).code, `${method} ${route}`).toBe('message_not_found');
      }
    });

    /** DELETE (to Trash) of a message whose mailbox was deleted. */
    async function trashFromDeletedMailbox(path: string): Promise<void> {
      const { 'doomed too': id } = await seed(path, ['doomed too']);
      expect((await send(mailbox(path), 'DELETE')).status).toBe(204);
      const response = await send(`${messages}/${id}`, 'DELETE');
      expect(response.status).toBe(404);
      expect((await problem(response)).code).toBe('message_not_found');
      expect(await serverSubjects('Trash')).not.toContain('doomed too');
    }

    it('answer DELETE (to Trash) with 404 message_not_found once the mailbox was deleted (a hashed path)', async () => {
      await trashFromDeletedMailbox(longPath('Auch verworfen'));
    });

    it('answer DELETE (to Trash) with 404 message_not_found once the mailbox was deleted (an inline path)', async () => {
      await trashFromDeletedMailbox('Also dropped');
    });
  });

  describe('mailbox-nested aliases', () => {
    it('serve an id of the mailbox they name, by path or role', async () => {
      const { aliased: id } = await seed(NESTED, ['aliased']);
      const response = await send(`${mailbox(NESTED)}/messages/${id}`);
      expect(response.status).toBe(200);
      const message = (await response.json()) as MessageJson;
      expect(message.subject).toBe('aliased');
      expect(message.rawUrl).toBe(`${gateway.url}${messages}/${id}/raw`);

      const trashed = (await (await send(`${messages}/${id}`, 'DELETE')).json()) as { id: string };
      const byRole = await send(`${account}/mailboxes/~trash/messages/${trashed.id}/raw`);
      expect(byRole.status).toBe(200);
      expect(sha256(new Uint8Array(await byRole.arrayBuffer()))).toBe(
        sha256(Buffer.from(withAttachment('aliased'))),
      );
    });

    it('refuse an id of another mailbox with 404 message_not_found, changing nothing', async () => {
      const { elsewhere: id } = await seed('INBOX', ['elsewhere']);
      for (const [route, method, body] of [
        [`${mailbox('Archive')}/messages/${id}`, 'GET', undefined],
        [`${mailbox(NESTED)}/messages/${id}/raw`, 'GET', undefined],
        [`${mailbox('Trash')}/messages/${id}`, 'PATCH', { flags: { add: ['\\Deleted'] } }],
        [`${account}/mailboxes/~trash/messages/${id}`, 'DELETE', undefined],
        [`${mailbox('Archive')}/messages/${id}/move`, 'POST', { to: 'Archive' }],
      ] as const) {
        const response = await send(route, method, body);
        expect(response.status, `${method} ${route}`).toBe(404);
        expect((await problem(response)).code, `${method} ${route}`).toBe('message_not_found');
      }
      expect(await serverSubjects('INBOX')).toContain('elsewhere');
      expect(await serverFlags('INBOX', 'elsewhere')).not.toContain('\\Deleted');
      expect((await read(id!)).mailbox).toBe('INBOX');
    });
  });
});

describe('account-level message routes on POP3', () => {
  let gateway: Gateway;
  let user: MailUser;
  let token: string;
  const messages = '/v1/accounts/p/messages';

  beforeAll(async () => {
    gateway = await startGateway();
    user = await createMailUser('message-routes-pop3');
    await user.seed('INBOX', [{ raw: withAttachment('pop one') }, { raw: withAttachment('pop two') }]);
    await gateway.addAccount('p', user.account({ protocol: 'pop3', port: user.server.ports.pop3s }));
    token = await gateway.token(['p'], 'write');
  });

  afterAll(async () => {
    await gateway?.close();
  });

  async function ids(): Promise<Record<string, string>> {
    const response = await gateway.get('/v1/accounts/p/mailboxes/INBOX/messages', token);
    expect(response.status).toBe(200);
    const listed = ((await response.json()) as { messages: Summary[] }).messages;
    return Object.fromEntries(listed.map((m) => [m.subject, m.id]));
  }

  it('GET …/messages/{id} reads the message, with canonical links', async () => {
    const { 'pop one': id } = await ids();
    const response = await gateway.get(`${messages}/${id}`, token);
    expect(response.status).toBe(200);
    const message = (await response.json()) as MessageJson;
    expect(message).toMatchObject({ id, subject: 'pop one', mailbox: 'INBOX' });
    expect(message.rawUrl).toBe(`${gateway.url}${messages}/${id}/raw`);
    expect(
      message.attachments[0]!.downloadUrl.startsWith(`${gateway.url}${messages}/${id}/attachments/`),
    ).toBe(true);
    const alias = await gateway.get(`/v1/accounts/p/mailboxes/INBOX/messages/${id}`, token);
    expect(alias.status).toBe(200);
    expect(await alias.json()).toEqual(message);
  });

  it('GET …/messages/{id}/raw streams the source byte for byte', async () => {
    const { 'pop one': id } = await ids();
    const response = await gateway.get(`${messages}/${id}/raw`, token);
    expect(response.status).toBe(200);
    expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(
      sha256(Buffer.from(withAttachment('pop one'))),
    );
  });

  it('GET …/messages/{id}/attachments/{attachmentId} streams the decoded part', async () => {
    const { 'pop two': id } = await ids();
    const message = (await (await gateway.get(`${messages}/${id}`, token)).json()) as MessageJson;
    const response = await gateway.get(new URL(message.attachments[0]!.downloadUrl).pathname, token);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(ATTACHMENT)).toBe(true);
  });

  it('DELETE …/messages/{id} removes exactly that message (204)', async () => {
    const { 'pop one': id } = await ids();
    const response = await gateway.get(`${messages}/${id}`, token, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(Object.keys(await ids())).toEqual(['pop two']);
    const gone = await gateway.get(`${messages}/${id}`, token);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ code: 'message_not_found' });
  });
});
