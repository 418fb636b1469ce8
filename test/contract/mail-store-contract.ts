import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MailStore } from '../../lib/mail/store.js';
import {
  type Download,
  FILTER_NAMES,
  type GetMessageOptions,
  type MailboxRef,
  type MessageSummary,
  type StoreCapabilities,
} from '../../lib/mail/types.js';
import type { BulkAction } from '../../lib/mail/writes.js';

/**
 * The MailStore contract, one suite for every store: the in-memory store the
 * HTTP tests use, IMAP and POP3 against the test Dovecot. Each backend gets
 * the same messages; operations a store's `capabilities` deny must be refused
 * with `unsupported_operation`, and those it grants must work.
 */

export interface ContractBackend {
  /** A fresh store for one request's worth of work; the suite closes it. */
  open(): MailStore;
  /** Delivers messages to INBOX in order, as another session would (the last is the newest). */
  deliver(messages: Buffer[]): Promise<void>;
}

/** Called once per group of tests: every call must give an account of its own with Archive and Trash where it has mailboxes. */
export type ContractSetup = () => Promise<ContractBackend>;

const INBOX: MailboxRef = { kind: 'role', role: 'inbox' };
const ARCHIVE: MailboxRef = { kind: 'role', role: 'archive' };
const READ: GetMessageOptions = { body: 'both', maxBodyBytes: null, markSeen: false };

/** Bytes a transport could damage: NUL, CR and LF alone, a dot after a line break, 8-bit. */
export const ATTACHMENT = Buffer.concat([
  Buffer.from('%PDF-1.4\n'),
  Buffer.from([0x00, 0x0d, 0x0a, 0x2e, 0x0d, 0x0a, 0xff, 0xfe, 0x80, 0x0a, 0x2e, 0x2e]),
  Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256)),
]);

function plainMessage(subject: string, date: string, body: string): Buffer {
  return Buffer.from(
    [
      'From: Sender <sender@example.test>',
      'To: Recipient <rcpt@example.test>',
      `Subject: ${subject}`,
      `Date: ${date}`,
      `Message-ID: <${subject.toLowerCase().replaceAll(' ', '-')}@example.test>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
      '',
    ].join('\r\n'),
  );
}

function withAttachment(subject: string, date: string): Buffer {
  const base64 = ATTACHMENT.toString('base64').replace(/.{1,76}/g, '$&\r\n');
  return Buffer.from(
    [
      'From: Sender <sender@example.test>',
      'To: Recipient <rcpt@example.test>',
      `Subject: ${subject}`,
      `Date: ${date}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="contract-boundary"',
      '',
      '--contract-boundary',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'See the attached report.',
      '--contract-boundary',
      'Content-Type: application/pdf; name="report.pdf"',
      'Content-Disposition: attachment; filename="report.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      `${base64}--contract-boundary--`,
      '',
    ].join('\r\n'),
  );
}

/** INBOX, oldest first: distinct subjects and Date headers; the second carries report.pdf. */
export const SEED = [
  { subject: 'Contract one', date: '2026-01-05T09:00:00.000Z' },
  { subject: 'Contract two', date: '2026-01-06T09:00:00.000Z' },
  { subject: 'Contract three', date: '2026-01-07T09:00:00.000Z' },
].map(({ subject, date }, index) => {
  const header = new Date(date).toUTCString().replace('GMT', '+0000');
  return {
    subject,
    date,
    raw: index === 1 ? withAttachment(subject, header) : plainMessage(subject, header, `Body of ${subject}.`),
  };
});

const WRITE_CAPABILITIES = [
  'mailboxes',
  'flags',
  'move',
  'copy',
  'append',
  'changes',
  'wait',
  'bulk',
] as const;

async function drain(download: Download): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of download.body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function unique(label: string): string {
  return `Contract ${label} ${randomBytes(4).toString('hex')}`;
}

export function describeMailStoreContract(name: string, setup: ContractSetup): void {
  describe(`MailStore contract: ${name}`, () => {
    describeReads(setup);
    describeWrites(setup);
  });
}

/** Runs `work` on a fresh store and always closes it, as one request would. */
async function using<T>(backend: ContractBackend, work: (store: MailStore) => Promise<T>): Promise<T> {
  const store = backend.open();
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

function describeReads(setup: ContractSetup): void {
  describe('reading', () => {
    let backend: ContractBackend;
    let capabilities: StoreCapabilities;
    /** The seeded messages' ids, oldest first (SEED order). */
    let ids: string[];
    const run = <T>(work: (store: MailStore) => Promise<T>) => using(backend, work);

    beforeAll(async () => {
      backend = await setup();
      await backend.deliver(SEED.map((seed) => seed.raw));
      const page = await run((store) => store.listMessages(INBOX, { limit: 10, filter: {} }));
      ids = SEED.map(({ subject }) => page.messages.find((m) => m.subject === subject)?.id ?? 'missing');
      capabilities = await using(backend, async (store) => store.capabilities);
    });

    it('lists INBOX with the role inbox, and Archive and Trash where it has mailboxes', async () => {
      const mailboxes = await run((store) => store.listMailboxes({ counts: false }));
      expect(mailboxes).toContainEqual(expect.objectContaining({ path: 'INBOX', role: 'inbox' }));
      const roles = mailboxes.map((mailbox) => mailbox.role);
      if (capabilities.mailboxes) expect(roles).toEqual(expect.arrayContaining(['archive', 'trash']));
      else expect(mailboxes).toHaveLength(1);
      const counted = await run((store) => store.listMailboxes({ counts: true }));
      expect(counted.find((mailbox) => mailbox.path === 'INBOX')).toMatchObject({ total: 3 });
    });

    it('gives ~inbox as INBOX with its total, and refuses a mailbox that does not exist', async () => {
      const status = await run((store) => store.getMailbox(INBOX));
      expect(status).toMatchObject({ path: 'INBOX', role: 'inbox', total: 3 });
      await expect(
        run((store) => store.getMailbox({ kind: 'path', path: 'No such mailbox' })),
      ).rejects.toMatchObject({ code: 'mailbox_not_found' });
    });

    it('lists newest first with the total, each message in INBOX once', async () => {
      const page = await run((store) => store.listMessages(INBOX, { limit: 10, filter: {} }));
      expect(page.messages.map((m) => m.subject)).toEqual(['Contract three', 'Contract two', 'Contract one']);
      expect(page.messages.map((m) => m.date)).toEqual(SEED.map((seed) => seed.date).reverse());
      expect(page.messages.map((m) => m.id)).toEqual([...ids].reverse());
      expect(new Set(ids).size).toBe(3);
      expect(page.messages.every((m) => m.mailbox === 'INBOX')).toBe(true);
      expect(page.total).toBe(3);
      expect(page.nextCursor).toBeNull();
      const withAttachment = page.messages[1]!;
      expect(withAttachment).toMatchObject({ hasAttachments: true, size: SEED[1]!.raw.length });
      expect(withAttachment.from).toEqual({ name: 'Sender', address: 'sender@example.test' });
      expect(page.messages[0]!.hasAttachments).toBe(false);
    });

    it('respects limit and pages with nextCursor through every message exactly once', async () => {
      const first = await run((store) => store.listMessages(INBOX, { limit: 2, filter: {} }));
      expect(first.messages.map((m) => m.subject)).toEqual(['Contract three', 'Contract two']);
      expect(first.total).toBe(3);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await run((store) =>
        store.listMessages(INBOX, { limit: 2, cursor: first.nextCursor!, filter: {} }),
      );
      expect(second.messages.map((m) => m.subject)).toEqual(['Contract one']);
      expect(second.nextCursor).toBeNull();

      const seen: MessageSummary[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await run((store) =>
          store.listMessages(INBOX, { limit: 1, filter: {}, ...(cursor ? { cursor } : {}) }),
        );
        expect(page.messages.length).toBeLessThanOrEqual(1);
        seen.push(...page.messages);
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor && pages < 10);
      expect(seen.map((m) => m.id)).toEqual([...ids].reverse());
    });

    it('filters by subject, refuses a cursor it did not issue and a filter it cannot evaluate', async () => {
      const page = await run((store) => store.listMessages(INBOX, { limit: 10, filter: { subject: 'two' } }));
      expect(page.messages.map((m) => m.id)).toEqual([ids[1]]);
      expect([1, null]).toContain(page.total);
      await expect(
        run((store) => store.listMessages(INBOX, { limit: 10, cursor: 'not-a-cursor', filter: {} })),
      ).rejects.toMatchObject({ code: 'invalid_request' });
      const refused = FILTER_NAMES.find((filter) => !capabilities.filters.includes(filter));
      if (refused !== undefined) {
        const filter =
          refused === 'header' ? { headers: [{ name: 'X-Any', value: 'a' }] } : { [refused]: 'a' };
        await expect(run((store) => store.listMessages(INBOX, { limit: 10, filter }))).rejects.toMatchObject({
          code: 'unsupported_operation',
        });
      }
    });

    it('gives the same message by its id alone and within INBOX, attachments described', async () => {
      const byId = await run((store) => store.getMessage(null, ids[1]!, READ));
      const inInbox = await run((store) => store.getMessage(INBOX, ids[1]!, READ));
      expect(inInbox).toEqual(byId);
      expect(byId).toMatchObject({
        id: ids[1],
        mailbox: 'INBOX',
        subject: 'Contract two',
        hasAttachments: true,
      });
      expect(byId.date).toBe(SEED[1]!.date);
      expect(byId.text).toContain('See the attached report.');
      expect(byId.attachments).toHaveLength(1);
      const [attachment] = byId.attachments;
      expect(attachment).toMatchObject({ id: '2', filename: 'report.pdf', disposition: 'attachment' });
      expect(attachment!.contentType).toMatch(/^application\/pdf(;|$)/);
      // Exact, or an estimate within 2% where only the encoded size is known.
      expect(Math.abs(attachment!.size - ATTACHMENT.length)).toBeLessThanOrEqual(ATTACHMENT.length * 0.02);

      const plain = await run((store) => store.getMessage(null, ids[0]!, READ));
      expect(plain).toMatchObject({ subject: 'Contract one', hasAttachments: false, attachments: [] });
      expect(plain.text).toContain('Body of Contract one.');
    });

    it('returns only the bodies asked for', async () => {
      const none = await run((store) => store.getMessage(null, ids[0]!, { ...READ, body: 'none' }));
      expect(none).toMatchObject({ text: null, html: null, subject: 'Contract one' });
      const text = await run((store) => store.getMessage(null, ids[0]!, { ...READ, body: 'text' }));
      expect(text.text).toContain('Body of Contract one.');
      expect(text.html).toBeNull();
    });

    it('answers message_not_found for a malformed id, and for an id under another mailbox', async () => {
      for (const malformed of ['not-a-message-id', 'i', 'p']) {
        await expect(run((store) => store.getMessage(null, malformed, READ))).rejects.toMatchObject({
          code: 'message_not_found',
        });
        await expect(run((store) => store.openRaw(null, malformed))).rejects.toMatchObject({
          code: 'message_not_found',
        });
      }
      // A POP3 account has INBOX alone: another mailbox is not found at all.
      const code = capabilities.mailboxes ? 'message_not_found' : 'mailbox_not_found';
      await expect(run((store) => store.getMessage(ARCHIVE, ids[0]!, READ))).rejects.toMatchObject({ code });
      await expect(run((store) => store.openRaw(ARCHIVE, ids[0]!))).rejects.toMatchObject({ code });
    });

    it('streams the raw source byte for byte, by id alone and within INBOX', async () => {
      for (const [index, seed] of SEED.entries()) {
        const download = await run(async (store) => {
          const opened = await store.openRaw(null, ids[index]!);
          return { ...opened, bytes: await drain(opened) };
        });
        expect(download.bytes.equals(seed.raw)).toBe(true);
        expect(download.contentType).toBe('message/rfc822');
        expect([null, seed.raw.length]).toContain(download.size);
      }
      const scoped = await run(async (store) => drain(await store.openRaw(INBOX, ids[2]!)));
      expect(scoped.equals(SEED[2]!.raw)).toBe(true);
    });

    it("streams an attachment's decoded bytes, and refuses a part that is no attachment", async () => {
      for (const scope of [null, INBOX]) {
        const download = await run(async (store) => {
          const opened = await store.openAttachment(scope, ids[1]!, '2');
          return { ...opened, bytes: await drain(opened) };
        });
        expect(download.bytes.equals(ATTACHMENT)).toBe(true);
        expect(download.filename).toBe('report.pdf');
        expect(download.contentType).toMatch(/^application\/pdf(;|$)/);
        expect([null, ATTACHMENT.length]).toContain(download.size);
      }
      await expect(run((store) => store.openAttachment(null, ids[1]!, '9'))).rejects.toMatchObject({
        code: 'attachment_not_found',
      });
    });
  });
}

function describeWrites(setup: ContractSetup): void {
  describe('writing', () => {
    let backend: ContractBackend;
    let capabilities: StoreCapabilities;
    const run = <T>(work: (store: MailStore) => Promise<T>) => using(backend, work);
    const refused = { code: 'unsupported_operation' };
    const notFound = { code: 'message_not_found' };

    /** Delivers a fresh message to INBOX and returns its id (the newest, so the first listed). */
    async function fresh(label: string): Promise<{ id: string; subject: string; raw: Buffer }> {
      const subject = unique(label);
      const raw = plainMessage(subject, 'Mon, 02 Feb 2026 10:00:00 +0000', `Body of ${subject}.`);
      await backend.deliver([raw]);
      const page = await run((store) => store.listMessages(INBOX, { limit: 1, filter: {} }));
      expect(page.messages[0]?.subject).toBe(subject);
      return { id: page.messages[0]!.id, subject, raw };
    }

    beforeAll(async () => {
      backend = await setup();
      capabilities = await using(backend, async (store) => store.capabilities);
    });

    it('probes to the capabilities it declares', async () => {
      const probed = await run((store) => store.probe());
      for (const name of WRITE_CAPABILITIES)
        expect([name, probed.capabilities[name]]).toEqual([name, capabilities[name]]);
      expect([...probed.capabilities.filters].sort()).toEqual([...capabilities.filters].sort());
    });

    it('adds, removes and sets flags, and getMessage shows them (or refuses without flags)', async () => {
      const { id } = await fresh('flags');
      if (!capabilities.flags) {
        await expect(
          run((store) => store.updateFlags(null, id, { add: ['\\Flagged'], remove: [] })),
        ).rejects.toMatchObject(refused);
        return;
      }
      const added = await run((store) =>
        store.updateFlags(null, id, { add: ['\\Flagged', '$Contract'], remove: [] }),
      );
      expect(added.id).toBe(id);
      expect(added.flags).toEqual(expect.arrayContaining(['\\Flagged', '$Contract']));
      expect(await run((store) => store.getMessage(null, id, READ))).toMatchObject({
        flagged: true,
        flags: expect.arrayContaining(['\\Flagged', '$Contract']),
      });

      const removed = await run((store) => store.updateFlags(INBOX, id, { add: [], remove: ['\\Flagged'] }));
      expect(removed.flags).not.toContain('\\Flagged');
      expect(removed.flags).toContain('$Contract');
      expect(await run((store) => store.getMessage(null, id, READ))).toMatchObject({ flagged: false });

      const set = await run((store) => store.updateFlags(null, id, { set: ['\\Seen'] }));
      expect(set.flags).toEqual(['\\Seen']);
      expect(await run((store) => store.getMessage(null, id, READ))).toMatchObject({
        flags: ['\\Seen'],
        seen: true,
        flagged: false,
      });
    });

    it('marks a message seen as it is read (or refuses without flags)', async () => {
      const { id } = await fresh('mark seen');
      const read = run((store) => store.getMessage(null, id, { ...READ, markSeen: true }));
      if (!capabilities.flags) {
        await expect(read).rejects.toMatchObject(refused);
        return;
      }
      expect(await read).toMatchObject({ seen: true, flags: expect.arrayContaining(['\\Seen']) });
      expect(await run((store) => store.getMessage(null, id, READ))).toMatchObject({ seen: true });
    });

    it('moves to ~archive under a new id that works alone, the old id gone (or refuses)', async () => {
      const { id, subject } = await fresh('move');
      if (!capabilities.move) {
        await expect(run((store) => store.moveMessage(null, id, ARCHIVE))).rejects.toMatchObject(refused);
        return;
      }
      const moved = await run((store) => store.moveMessage(null, id, ARCHIVE));
      expect(moved.mailbox).toBe('Archive');
      expect(moved.id).not.toBe(id);
      expect(await run((store) => store.getMessage(null, moved.id, READ))).toMatchObject({
        id: moved.id,
        mailbox: 'Archive',
        subject,
      });
      await expect(run((store) => store.getMessage(null, id, READ))).rejects.toMatchObject(notFound);
      await expect(run((store) => store.getMessage(INBOX, moved.id, READ))).rejects.toMatchObject(notFound);
    });

    it('copies to ~archive, both copies found by id (or refuses)', async () => {
      const { id, subject } = await fresh('copy');
      if (!capabilities.copy) {
        await expect(run((store) => store.copyMessage(null, id, ARCHIVE))).rejects.toMatchObject(refused);
        return;
      }
      const copied = await run((store) => store.copyMessage(INBOX, id, ARCHIVE));
      expect(copied.mailbox).toBe('Archive');
      expect(copied.id).not.toBe(id);
      expect(await run((store) => store.getMessage(null, copied.id, READ))).toMatchObject({
        mailbox: 'Archive',
        subject,
      });
      expect(await run((store) => store.getMessage(null, id, READ))).toMatchObject({
        mailbox: 'INBOX',
        subject,
      });
    });

    it('deletes for good: the id is then not found, nor listed', async () => {
      const { id } = await fresh('delete permanent');
      expect(await run((store) => store.deleteMessage(null, id, { permanent: true }))).toEqual({
        kind: 'expunged',
      });
      await expect(run((store) => store.getMessage(null, id, READ))).rejects.toMatchObject(notFound);
      await expect(run((store) => store.openRaw(null, id))).rejects.toMatchObject(notFound);
      const page = await run((store) => store.listMessages(INBOX, { limit: 50, filter: {} }));
      expect(page.messages.map((m) => m.id)).not.toContain(id);
    });

    it('deletes to Trash under an id that works (for good where there is no Trash)', async () => {
      const { id, subject } = await fresh('delete to trash');
      const outcome = await run((store) => store.deleteMessage(INBOX, id, { permanent: false }));
      await expect(run((store) => store.getMessage(null, id, READ))).rejects.toMatchObject(notFound);
      if (!capabilities.mailboxes) {
        expect(outcome).toEqual({ kind: 'expunged' });
        return;
      }
      expect(outcome).toMatchObject({ kind: 'moved', mailbox: 'Trash' });
      const trashed = (outcome as { id: string }).id;
      expect(await run((store) => store.getMessage(null, trashed, READ))).toMatchObject({
        mailbox: 'Trash',
        subject,
      });
      // Already in Trash: deleted for good.
      expect(await run((store) => store.deleteMessage(null, trashed, { permanent: false }))).toEqual({
        kind: 'expunged',
      });
      await expect(run((store) => store.getMessage(null, trashed, READ))).rejects.toMatchObject(notFound);
    });

    it('appends a message that getMessage and the listing then find (or refuses)', async () => {
      const subject = unique('append');
      const raw = withAttachment(subject, 'Tue, 03 Feb 2026 10:00:00 +0000');
      const input = { raw, flags: ['\\Seen'], date: new Date('2026-02-03T10:00:05.000Z') };
      if (!capabilities.append) {
        await expect(run((store) => store.appendMessage(INBOX, input))).rejects.toMatchObject(refused);
        return;
      }
      const appended = await run((store) => store.appendMessage(INBOX, input));
      expect(appended.mailbox).toBe('INBOX');
      const message = await run((store) => store.getMessage(null, appended.id, READ));
      expect(message).toMatchObject({
        id: appended.id,
        mailbox: 'INBOX',
        subject,
        seen: true,
        receivedAt: '2026-02-03T10:00:05.000Z',
        hasAttachments: true,
      });
      expect(message.attachments.map((a) => [a.id, a.filename])).toEqual([['2', 'report.pdf']]);
      const page = await run((store) => store.listMessages(INBOX, { limit: 1, filter: {} }));
      expect(page.messages[0]?.id).toBe(appended.id);
      expect((await run(async (store) => drain(await store.openRaw(null, appended.id)))).equals(raw)).toBe(
        true,
      );
      const attachment = await run(async (store) =>
        drain(await store.openAttachment(null, appended.id, '2')),
      );
      expect(attachment.equals(ATTACHMENT)).toBe(true);

      const archived = await run((store) => store.appendMessage(ARCHIVE, { ...input, flags: [] }));
      expect(archived.mailbox).toBe('Archive');
      expect(await run((store) => store.getMessage(null, archived.id, READ))).toMatchObject({
        subject,
        seen: false,
      });
    });

    it('creates, renames and deletes a mailbox (or refuses)', async () => {
      const path = unique('box').replaceAll(' ', '-');
      const renamed = `${path}-renamed`;
      if (!capabilities.mailboxes) {
        await expect(run((store) => store.createMailbox(path))).rejects.toMatchObject(refused);
        await expect(run((store) => store.renameMailbox(INBOX, renamed))).rejects.toMatchObject(refused);
        await expect(run((store) => store.deleteMailbox(INBOX))).rejects.toMatchObject(refused);
        return;
      }
      const paths = async () =>
        (await run((store) => store.listMailboxes({ counts: false }))).map((m) => m.path);
      expect(await run((store) => store.createMailbox(path))).toMatchObject({ path, role: null });
      expect(await paths()).toContain(path);
      expect(await run((store) => store.getMailbox({ kind: 'path', path }))).toMatchObject({
        path,
        total: 0,
      });
      await expect(run((store) => store.createMailbox(path))).rejects.toMatchObject({
        code: 'mailbox_exists',
      });

      expect(await run((store) => store.renameMailbox({ kind: 'path', path }, renamed))).toMatchObject({
        path: renamed,
      });
      expect(await paths()).toEqual(expect.arrayContaining([renamed]));
      expect(await paths()).not.toContain(path);
      await expect(run((store) => store.getMailbox({ kind: 'path', path }))).rejects.toMatchObject({
        code: 'mailbox_not_found',
      });

      await run((store) => store.deleteMailbox({ kind: 'path', path: renamed }));
      expect(await paths()).not.toContain(renamed);
      await expect(run((store) => store.getMailbox({ kind: 'path', path: renamed }))).rejects.toMatchObject({
        code: 'mailbox_not_found',
      });
    });

    it('flags in bulk (or refuses)', async () => {
      const { id } = await fresh('bulk');
      const action: BulkAction = { action: 'flag', flags: { add: ['\\Flagged'], remove: [] } };
      if (!capabilities.bulk) {
        await expect(run((store) => store.bulk(INBOX, { ids: [id] }, action))).rejects.toMatchObject(refused);
        return;
      }
      expect(await run((store) => store.bulk(INBOX, { ids: [id] }, action))).toMatchObject({
        matched: 1,
        done: 1,
        failed: [],
      });
      expect(await run((store) => store.getMessage(null, id, READ))).toMatchObject({ flagged: true });
    });

    it('reports changes since a state, and a wait sees them (or refuses both)', async () => {
      const before = (await run((store) => store.getMailbox(INBOX))).state;
      if (!capabilities.changes) {
        expect(before).toBeNull();
        await expect(run((store) => store.changes(INBOX, 'none', { maxChanges: 10 }))).rejects.toMatchObject(
          refused,
        );
      }
      if (!capabilities.wait) {
        await expect(run((store) => store.wait(INBOX, before ?? 'none', 1))).rejects.toMatchObject(refused);
      }
      if (!capabilities.changes || !capabilities.wait) return;
      expect(before).toEqual(expect.any(String));
      const { id, subject } = await fresh('changes');
      const changes = await run((store) => store.changes(INBOX, before!, { maxChanges: 50 }));
      expect(changes.created).toContainEqual(expect.objectContaining({ id, subject }));
      expect(changes.state).toEqual(expect.any(String));
      expect(await run((store) => store.wait(INBOX, before!, 5))).toMatchObject({ changed: true });
    });
  });
}
