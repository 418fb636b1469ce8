import { describe, expect, it } from 'vitest';
import {
  decodeImapMessageId,
  decodePop3MessageId,
  encodeImapMessageId,
  encodePop3MessageId,
} from '../../../lib/mail/ids.js';

describe('IMAP message ids', () => {
  const key = { uidValidity: '1795690128', uid: 42 };

  it('round-trip, URL-safe', () => {
    const id = encodeImapMessageId('INBOX/Reports', key);
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeImapMessageId('INBOX/Reports', id)).toEqual(key);
  });

  it('never name a message in another mailbox, even one with the same UIDVALIDITY', () => {
    const id = encodeImapMessageId('Archive', key);
    expect(() => decodeImapMessageId('Sent', id)).toThrow(
      expect.objectContaining({ code: 'message_not_found' }),
    );
  });

  it.each([
    ['empty', ''],
    ['wrong prefix', `p${Buffer.from('1.2.x').toString('base64url')}`],
    ['not base64url', 'i$$$'],
    ['uid 0', `i${Buffer.from('1.0.abc').toString('base64url')}`],
    ['uid beyond 32 bits', `i${Buffer.from('1.4294967296.abc').toString('base64url')}`],
    ['too few parts', `i${Buffer.from('1.2').toString('base64url')}`],
  ])('refuse a malformed id (%s) as not found', (_name, id) => {
    expect(() => decodeImapMessageId('INBOX', id)).toThrow(
      expect.objectContaining({ code: 'message_not_found' }),
    );
  });
});

describe('POP3 message ids', () => {
  it.each([
    ['Dovecot style', '00000001508bd0a2'],
    ['punctuation', 'a+b/c=d~!'],
    ['longer than RFC 1939 allows', 'x'.repeat(100)],
  ])('round-trip a UIDL (%s)', (_name, uidl) => {
    const id = encodePop3MessageId(uidl);
    expect(id).toMatch(/^p[A-Za-z0-9_-]+$/);
    expect(id.length).toBeLessThanOrEqual(200);
    expect(decodePop3MessageId(id)).toBe(uidl);
  });

  it.each([
    ['a space', 'a b'],
    ['a control byte', 'a\u0001'],
    ['over 140 characters', 'x'.repeat(141)],
  ])('refuse a UIDL with %s', (_name, uidl) => {
    expect(() => decodePop3MessageId(encodePop3MessageId(uidl))).toThrow(
      expect.objectContaining({ code: 'message_not_found' }),
    );
  });
});
