import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeImapMessageId,
  decodePop3MessageId,
  encodeImapMessageId,
  encodePop3MessageId,
  MAX_INLINE_PATH_BYTES,
  parseImapMessageId,
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
    ['ASCII', 'INBOX'],
    ['hierarchy', 'INBOX/Reports/2026'],
    ['non-ASCII', 'Entwürfe/Größe/日本語'],
    ['100 bytes', 'x'.repeat(100)],
    ['the longest carried path', 'y'.repeat(MAX_INLINE_PATH_BYTES)],
    ['a path starting with ~ and dots', '~weird.path.name'],
  ])('carry the mailbox path itself (%s), so the id alone addresses the message', (_name, path) => {
    const id = encodeImapMessageId(path, key);
    expect(id.length).toBeLessThanOrEqual(200);
    expect(id).toMatch(/^i[A-Za-z0-9_-]+$/);
    const parsed = parseImapMessageId(id);
    expect(parsed.path).toBe(path);
    expect(parsed.key).toEqual(key);
    expect(parsed.isIn(path)).toBe(true);
    expect(parsed.isIn(`${path}x`)).toBe(false);
  });

  it.each([141, 500, 1000])('stay within 200 characters for a %i-byte path, naming it by hash', (bytes) => {
    const path = `${'Ärchiv/'.repeat(200)}`.slice(0, bytes);
    const id = encodeImapMessageId(path, key);
    expect(id.length).toBeLessThanOrEqual(200);
    const parsed = parseImapMessageId(id);
    expect(parsed.path).toBeNull();
    expect(parsed.key).toEqual(key);
    expect(parsed.isIn(path)).toBe(true);
    expect(parsed.isIn(`${path}/x`)).toBe(false);
    expect(decodeImapMessageId(path, id)).toEqual(key);
  });

  it('keep the largest UIDVALIDITY and UID exact', () => {
    const edge = { uidValidity: '4294967295', uid: 4294967295 };
    expect(parseImapMessageId(encodeImapMessageId('INBOX', edge)).key).toEqual(edge);
  });

  it('still read ids issued before ids carried their mailbox', () => {
    const tag = createHash('sha256').update('Archive', 'utf8').digest('base64url').slice(0, 8);
    const legacy = `i${Buffer.from(`1795690128.42.${tag}`, 'utf8').toString('base64url')}`;
    const parsed = parseImapMessageId(legacy);
    expect(parsed.path).toBeNull();
    expect(parsed.key).toEqual(key);
    expect(parsed.isIn('Archive')).toBe(true);
    expect(parsed.isIn('Sent')).toBe(false);
  });

  const current = (kind: number, rest: Buffer) => {
    const header = Buffer.alloc(9);
    header.writeUInt8(kind, 0);
    header.writeUInt32BE(7, 1);
    header.writeUInt32BE(1, 5);
    return `i${Buffer.concat([header, rest]).toString('base64url')}`;
  };

  it.each([
    ['empty', ''],
    ['over 200 characters', `i${'A'.repeat(200)}`],
    ['no path', current(1, Buffer.alloc(0))],
    ['a path that is not UTF-8', current(1, Buffer.from([0xff, 0xfe]))],
    ['a path with a line break', current(1, Buffer.from('INBOX\r\nA1 DELETE x'))],
    ['a path with a TAB', current(1, Buffer.from('INBOX\tx'))],
    ['a path with a C1 control', current(1, Buffer.from('INBOX\u0085x'))],
    ['a hash of the wrong size', current(2, Buffer.alloc(5))],
    ['an unknown kind', current(3, Buffer.from('INBOX'))],
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
