import { describe, expect, test } from 'vitest';
import { cursorScope, decodeListCursor, encodeListCursor } from '../../../lib/imap/read/list-cursor.js';

describe('list cursors', () => {
  const scope = cursorScope('INBOX', { seen: false });

  test('round-trip and are URL-safe', () => {
    const text = encodeListCursor({ uidValidity: '1795689758', beforeUid: 4711, scope });
    expect(text).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(decodeListCursor(text, scope, '1795689758')).toEqual({
      uidValidity: '1795689758',
      beforeUid: 4711,
      scope,
    });
  });

  test('belong to one mailbox and one filter', () => {
    expect(cursorScope('INBOX', { seen: false })).toBe(scope);
    expect(cursorScope('Archive', { seen: false })).not.toBe(scope);
    expect(cursorScope('INBOX', { seen: true })).not.toBe(scope);
    expect(cursorScope('INBOX', { since: { at: new Date(0), precision: 'day' } })).not.toBe(
      cursorScope('INBOX', { since: { at: new Date(1000), precision: 'day' } }),
    );
    const text = encodeListCursor({ uidValidity: '1', beforeUid: 10, scope });
    expect(() => decodeListCursor(text, cursorScope('Archive', {}), '1')).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
  });

  test('from before a UIDVALIDITY change are refused with a detail that says so', () => {
    const text = encodeListCursor({ uidValidity: '1', beforeUid: 10, scope });
    expect(() => decodeListCursor(text, scope, '2')).toThrow(
      expect.objectContaining({ code: 'invalid_request', detail: expect.stringContaining('UIDVALIDITY') }),
    );
  });

  test.each([
    '',
    'c1.',
    'c1.!!!',
    'x1.MS4xMC5h',
    `c1.${Buffer.from('1.0.x').toString('base64url')}`,
    `c1.${'A'.repeat(300)}`,
  ])('malformed %j is invalid_request', (text) => {
    expect(() => decodeListCursor(text, scope, '1')).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
  });
});
