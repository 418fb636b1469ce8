import { beforeAll, describe, expect, test } from 'vitest';
import { parseImapMessageId } from '../../../lib/mail/ids.js';
import type { MailboxRef, Message } from '../../../lib/mail/types.js';
import type { MailUser } from '../../support/mail-server.js';
import { buildGetOptions, createImapUser, fixture, withStore } from './imap-test-kit.js';

const FIXTURES = [
  'alternative-utf8.eml',
  'mixed-attachments.eml',
  'related-inline-image.eml',
  'nested-rfc822.eml',
  'delivery-report.eml',
  'iso-8859-1.eml',
  'iso-8859-2-qp.eml',
  'windows-1251-base64.eml',
  'windows-1252.eml',
  'iso-2022-jp.eml',
  'koi8-r.eml',
  'broken.eml',
] as const;

const MAILBOX: MailboxRef = { kind: 'path', path: 'Fixtures' };
let user: MailUser;
const ids = new Map<string, string>();

beforeAll(async () => {
  user = await createImapUser('get');
  await user.seed(
    'Fixtures',
    FIXTURES.map((name) => ({ raw: fixture(name), flags: name === 'windows-1252.eml' ? ['$Label1'] : [] })),
  );
  const page = await withStore(user, (store) => store.listMessages(MAILBOX, { limit: 50, filter: {} }));
  // Seeded in order, listed newest first.
  for (const [i, message] of [...page.messages].reverse().entries()) ids.set(FIXTURES[i]!, message.id);
});

function get(name: (typeof FIXTURES)[number], overrides = {}): Promise<Message> {
  return withStore(user, (store) => store.getMessage(MAILBOX, ids.get(name)!, buildGetOptions(overrides)));
}

describe('getMessage decodes bodies and headers', () => {
  test.each([
    ['iso-8859-1.eml', 'Grüße aus Köln', 'Grüße aus Köln, café à la crème.\r\n'],
    ['iso-8859-2-qp.eml', 'Zażółć gęślą jaźń', 'Zażółć gęślą jaźń - polski tekst.\r\n'],
    ['windows-1251-base64.eml', 'Привет, мир', 'Привет, мир! Как дела?\r\n'],
    ['windows-1252.eml', 'Smart quotes', '“Quoted” text costs 5 € — thanks.\r\n'],
    ['iso-2022-jp.eml', 'こんにちは世界', 'こんにちは世界。日本語のテキストです。\r\n'],
    ['koi8-r.eml', 'Съешь же ещё', 'Съешь же ещё этих мягких французских булок.\r\n'],
  ] as const)('%s: subject and text in UTF-8', async (name, subject, text) => {
    const message = await get(name);
    expect(message.subject).toBe(subject);
    expect(message.text).toBe(text);
    expect(message.encodingProblem).toBe(false);
    expect(message.html).toBeNull();
  });

  test('multipart/alternative: QP text and base64 HTML, RFC 2047 names, references, headers', async () => {
    const message = await get('alternative-utf8.eml');
    expect(message).toMatchObject({
      subject: 'Café meeting ☕ tomorrow',
      from: { name: 'André Müller', address: 'andre@example.com' },
      messageId: 'alt-utf8@example.com',
      inReplyTo: 'earlier@example.com',
      references: ['first@example.com', 'earlier@example.com'],
      text: 'Hello Bob,\r\n\r\nthe café opens at 9 — see you there!\r\n',
      hasAttachments: false,
      attachments: [],
    });
    expect(message.html).toContain('<b>café</b> opens at 9 — see');
    expect(message.headers).toContainEqual({ name: 'Message-ID', value: '<alt-utf8@example.com>' });
    expect(message.headers.find((h) => h.name === 'References')?.value).toBe(
      '<first@example.com> <earlier@example.com>',
    );
  });

  test('attachments are described from BODYSTRUCTURE with RFC 2231 names and charset kept', async () => {
    const message = await get('mixed-attachments.eml');
    expect(message.text).toBe('Please find the report and the list attached.\r\n');
    expect(message.hasAttachments).toBe(true);
    expect(message.attachments).toEqual([
      expect.objectContaining({
        id: '2',
        filename: 'report.pdf',
        contentType: 'application/pdf; name=report.pdf',
      }),
      expect.objectContaining({
        id: '3',
        filename: 'Teilnehmer Köln €.csv',
        contentType: 'text/csv; charset=ISO-8859-1',
        size: 38,
        disposition: 'attachment',
      }),
    ]);
    const pdf = message.attachments[0]!;
    expect(Math.abs(pdf.size - 2055) / 2055).toBeLessThan(0.02);
  });

  test('an inline image of multipart/related is an attachment with its Content-ID', async () => {
    const message = await get('related-inline-image.eml');
    expect(message.html).toContain('cid:logo@example.com');
    expect(message.attachments).toEqual([
      expect.objectContaining({
        id: '2',
        contentId: 'logo@example.com',
        disposition: 'inline',
        filename: 'logo.png',
      }),
    ]);
  });

  test('an attached message and report parts are attachments, never the body', async () => {
    const forwarded = await get('nested-rfc822.eml');
    expect(forwarded.text).toBe('Forwarding the message below.\r\n');
    expect(forwarded.html).toBeNull();
    expect(forwarded.attachments.map((a) => [a.id, a.contentType, a.filename])).toEqual([
      ['2', 'message/rfc822', 'original.eml'],
    ]);
    const report = await get('delivery-report.eml');
    expect(report.text).toBe('Your message could not be delivered to nobody@example.org.\r\n');
    expect(report.attachments.map((a) => a.contentType)).toEqual([
      'message/delivery-status',
      // Dovecot's BODYSTRUCTURE states the RFC 2045 default charset of text parts.
      'text/rfc822-headers; charset=us-ascii',
    ]);
  });

  test('an unknown charset and broken base64 give best-effort text with encodingProblem, not an error', async () => {
    const message = await get('broken.eml');
    expect(message.encodingProblem).toBe(true);
    expect(message.text).toContain('Bytes ');
    expect(message.attachments).toHaveLength(1);
  });
});

describe('getMessage options', () => {
  test('body=text leaves html out, body=none leaves both out', async () => {
    const textOnly = await get('alternative-utf8.eml', { body: 'text' });
    expect(textOnly.text).not.toBeNull();
    expect(textOnly.html).toBeNull();
    const none = await get('alternative-utf8.eml', { body: 'none' });
    expect([none.text, none.html]).toEqual([null, null]);
  });

  test('maxBodyBytes cuts on a character boundary and says so', async () => {
    const message = await get('koi8-r.eml', { maxBodyBytes: 11 });
    expect(message.text).toBe('Съешь ');
    expect(message.textTruncated).toBe(true);
    expect(message.encodingProblem).toBe(false);
    const whole = await get('koi8-r.eml', { maxBodyBytes: 10_000 });
    expect(whole.textTruncated).toBe(false);
    expect(whole.text).toBe('Съешь же ещё этих мягких французских булок.\r\n');
  });
});

describe('reading and flags', () => {
  async function serverFlags(uidOfId: string): Promise<string> {
    const out = await user.doveadm(['fetch', '-u', user.user, 'uid flags', 'mailbox', 'Fixtures', 'all']);
    const blocks = out.split(/\n(?=uid:)/);
    const { uid } = parseImapMessageId(uidOfId).key;
    return blocks.find((block) => block.startsWith(`uid: ${uid}\n`)) ?? '';
  }

  test('get, raw and attachment downloads leave the flags unchanged on the server', async () => {
    const id = ids.get('mixed-attachments.eml')!;
    const before = await serverFlags(id);
    expect(before).not.toContain('\\Seen');
    await get('mixed-attachments.eml');
    await withStore(user, async (store) => {
      for await (const _ of (await store.openRaw(MAILBOX, id)).body);
    });
    await withStore(user, async (store) => {
      for await (const _ of (await store.openAttachment(MAILBOX, id, '3')).body);
    });
    expect(await serverFlags(id)).toBe(before);
  });

  test('markSeen sets \\Seen and reports it', async () => {
    const id = ids.get('windows-1252.eml')!;
    const message = await get('windows-1252.eml', { markSeen: true });
    expect(message.seen).toBe(true);
    expect(message.flags).toEqual(expect.arrayContaining(['\\Seen', '$Label1']));
    expect(await serverFlags(id)).toMatch(/flags:.*\\Seen/);
  });
});
