import { describe, expect, it } from 'vitest';
import { decodePop3Cursor, encodePop3Cursor, pop3CursorScope } from '../../../lib/pop3/list-cursor.js';

const scope = pop3CursorScope({});
const printable = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
/** 140 characters, dots and every other printable byte included. */
const uidl = (n: number) => `${n}${printable}${printable}`.slice(0, 140);

describe('POP3 list cursors', () => {
  it('carry the longest UIDLs message ids accept (140 characters)', () => {
    const cursor = { scope, number: 4_000_000_000, anchors: [1, 2, 3, 4].map(uidl) };
    const text = encodePop3Cursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(decodePop3Cursor(text, scope)).toEqual(cursor);
  });

  it('stay within the 1,000 characters the list query accepts', () => {
    const text = encodePop3Cursor({ scope, number: 4_000_000_000, anchors: [1, 2, 3, 4].map(uidl) });
    expect(text.length).toBeLessThanOrEqual(1000);
  });

  it.each([
    ['a UIDL longer than message ids accept', [`${uidl(1)}x`]],
    ['no anchor', []],
  ])('refuse %s', (_label, anchors) => {
    const text = encodePop3Cursor({ scope, number: 5, anchors });
    expect(() => decodePop3Cursor(text, scope)).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });

  it('belong to one filter', () => {
    const text = encodePop3Cursor({ scope, number: 5, anchors: ['u5'] });
    expect(() => decodePop3Cursor(text, pop3CursorScope({ seen: true }))).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
  });
});
