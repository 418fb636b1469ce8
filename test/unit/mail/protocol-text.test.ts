import { describe, expect, it } from 'vitest';
import { isHeaderName, MAX_HEADER_NAME_CHARS, readFieldStart } from '../../../lib/mail/protocol-text.js';

describe('isHeaderName (RFC 5322 §3.6.8)', () => {
  it.each([
    ['Subject', true],
    ['X-Priority', true],
    ['__proto__', true],
    ['\\Seen', true],
    ['x'.repeat(MAX_HEADER_NAME_CHARS), true],
    ['x'.repeat(MAX_HEADER_NAME_CHARS + 1), false],
    ['', false],
    ['X Mailer', false],
    ['X:Tag', false],
    ['Grüße', false],
    ['X\tY', false],
  ])('%j → %s', (name, expected) => {
    expect(isHeaderName(name)).toBe(expected);
  });
});

describe('readFieldStart', () => {
  it.each([
    ['Subject: hi', { name: 'Subject', valueStart: 8 }],
    ['Subject:hi', { name: 'Subject', valueStart: 8 }],
    ['Subject \t : hi', { name: 'Subject', valueStart: 11 }],
    ['X Mailer: mutt', { name: 'X Mailer', valueStart: 9 }],
    [`${'x'.repeat(997)}: v`, { name: 'x'.repeat(997), valueStart: 998 }],
    [`${'x'.repeat(998)}: v`, null],
    [`X${' '.repeat(997)}: v`, null],
    ['X\tY: v', null],
    [' Subject: folded', null],
    ['plain body text', null],
    [': no name', null],
    ['Grüße: x', null],
    ['', null],
  ])('%j', (line, expected) => {
    expect(readFieldStart(line)).toEqual(expected);
  });
});
