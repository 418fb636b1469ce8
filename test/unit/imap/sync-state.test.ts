import { describe, expect, test } from 'vitest';
import { decodeMailboxState, encodeMailboxState } from '../../../lib/imap/read/mailbox-state.js';
import { decodeSyncState, encodeSyncState, type SyncState } from '../../../lib/imap/sync/sync-state.js';

function buildState(overrides: Partial<SyncState> = {}): SyncState {
  return { uidValidity: '1795691800', modseq: 120n, removedModseq: 120n, uidNext: 42, ...overrides };
}

describe('sync state tokens', () => {
  test('a settled state is the same token the mailbox status hands out', () => {
    const token = encodeSyncState(buildState());
    expect(token).toBe(encodeMailboxState({ uidValidity: '1795691800', highestModseq: '120', uidNext: 42 }));
    expect(decodeMailboxState(token).highestModseq).toBe('120');
    expect(decodeSyncState(token)).toEqual(buildState());
  });

  test('an intermediate page keeps both watermarks, beyond what a JavaScript number holds exactly', () => {
    const state = buildState({ modseq: 18446744073709551000n, removedModseq: 18446744073709551615n });
    const token = encodeSyncState(state);
    expect(token).toMatch(/^s2\.[A-Za-z0-9_-]+$/);
    expect(decodeSyncState(token)).toEqual(state);
  });

  test.each([
    ['empty', ''],
    ['foreign prefix', 'x1.abc'],
    ['bad characters', 's2.a+b/c'],
    ['three fields', `s2.${Buffer.from('1.2.3').toString('base64url')}`],
    ['non-decimal', `s2.${Buffer.from('1.2x.3.4').toString('base64url')}`],
    ['uidNext too long', `s2.${Buffer.from('1.2.12345678901.4').toString('base64url')}`],
  ])('rejects a malformed token (%s) as invalid_request', (_name, token) => {
    expect(() => decodeSyncState(token)).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });
});
