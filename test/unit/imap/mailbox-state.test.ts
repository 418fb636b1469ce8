import { describe, expect, test } from 'vitest';
import { decodeMailboxState, encodeMailboxState } from '../../../lib/imap/read/mailbox-state.js';

describe('mailbox state tokens', () => {
  test('round-trip values beyond JavaScript integers', () => {
    const state = { uidValidity: '4294967295', highestModseq: '18446744073709551615', uidNext: 4711 };
    const token = encodeMailboxState(state);
    expect(token).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(decodeMailboxState(token)).toEqual(state);
  });

  test.each([
    '',
    's1.',
    's2.MS4yLjM',
    `s1.${Buffer.from('1.x.3').toString('base64url')}`,
    `s1.${Buffer.from('1.2').toString('base64url')}`,
  ])('malformed %j is invalid_request', (token) => {
    expect(() => decodeMailboxState(token)).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });
});
