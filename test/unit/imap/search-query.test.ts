import { describe, expect, test } from 'vitest';
import { buildSearchQuery } from '../../../lib/imap/read/search-query.js';

describe('buildSearchQuery', () => {
  test('an empty filter is no search at all', () => {
    expect(buildSearchQuery({})).toBeNull();
  });

  test('maps every filter onto imapflow search keys, values untouched', () => {
    const since = new Date('2026-01-01T00:00:00Z');
    const before = new Date('2026-02-01T10:20:30Z');
    expect(
      buildSearchQuery({
        seen: false,
        flagged: true,
        answered: false,
        draft: true,
        from: 'alice',
        to: 'bob',
        cc: 'carol',
        subject: '" OR ALL',
        text: 'x',
        body: 'y',
        since: { at: since, precision: 'day' },
        before: { at: before, precision: 'second' },
        larger: 10,
        smaller: 20,
        headers: [{ name: 'X-Priority', value: '1' }],
      }),
    ).toEqual({
      seen: false,
      flagged: true,
      answered: false,
      draft: true,
      from: 'alice',
      to: 'bob',
      cc: 'carol',
      subject: '" OR ALL',
      text: 'x',
      body: 'y',
      since,
      before,
      larger: 10,
      smaller: 20,
      header: { 'X-Priority': '1' },
    });
  });

  test('the same header twice becomes nested single-operand ORs, which imapflow emits as AND groups', () => {
    expect(
      buildSearchQuery({
        headers: [
          { name: 'X-Tag', value: 'a' },
          { name: 'x-tag', value: 'b' },
          { name: 'X-TAG', value: 'c' },
        ],
      }),
    ).toEqual({
      header: { 'X-Tag': 'a' },
      or: [{ header: { 'x-tag': 'b' }, or: [{ header: { 'X-TAG': 'c' } }] }],
    });
  });

  test.each([
    { subject: 'a\r\nA1 LOGOUT' },
    { from: 'a\nb' },
    { body: 'nul\0' },
    { headers: [{ name: 'X-A', value: 'v\r' }] },
    { headers: [{ name: 'Bad Name:', value: 'v' }] },
    { headers: [{ name: 'X\r\nY', value: 'v' }] },
  ])('refuses %j', (filter) => {
    expect(() => buildSearchQuery(filter)).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });
});
