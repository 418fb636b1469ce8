import { describe, expect, test } from 'vitest';
import type { ParsedResponse } from '../../../lib/imap/imapflow/index.js';
import { chunkUidSet, expandUidSequence, formatUidSet, splitUids } from '../../../lib/imap/wire/uid-set.js';
import { checkFlagChange, checkFlags, checkPermanent } from '../../../lib/imap/writes/flag-list.js';
import { parseFetchedFlags } from '../../../lib/imap/writes/store-flags.js';
import { parseCopyUid } from '../../../lib/imap/writes/uidplus-codes.js';

function codeLine(...atoms: string[]): ParsedResponse {
  return {
    tag: '*',
    command: 'OK',
    attributes: [{ type: 'SECTION', section: atoms.map((value) => ({ type: 'ATOM', value })) }],
  };
}

describe('COPYUID and APPENDUID', () => {
  test('pairs source and destination UIDs by position, in the server order', () => {
    const code = parseCopyUid(codeLine('COPYUID', '38505', '304,319:320', '3956:3958'));
    expect(code?.uidValidity).toBe('38505');
    expect([...(code?.uids ?? [])]).toEqual([
      [304, 3956],
      [319, 3957],
      [320, 3958],
    ]);
  });

  test('a descending range keeps its order', () => {
    expect([...(parseCopyUid(codeLine('COPYUID', '1', '3:1', '10:12'))?.uids ?? [])]).toEqual([
      [3, 10],
      [2, 11],
      [1, 12],
    ]);
  });

  test.each([
    ['sets of different sizes', ['COPYUID', '1', '1:3', '5:6']],
    ['a malformed set', ['COPYUID', '1', '1,x', '5,6']],
    ['no UIDVALIDITY', ['COPYUID', '', '1', '5']],
    ['another code', ['APPENDUID', '1', '5']],
  ])('refuses %s as a whole', (_label, atoms) => {
    expect(parseCopyUid(codeLine(...atoms))).toBeNull();
  });
});

describe('UID sets for commands', () => {
  test('formats compactly whatever the order', () => {
    expect(formatUidSet([9, 1, 3, 2, 5, 3])).toBe('1:3,5,9');
  });

  test('a sparse set is split into lines of bounded length covering every UID once', () => {
    const uids = Array.from({ length: 10_000 }, (_, i) => 1_000_000 + i * 2);
    const chunks = chunkUidSet(uids, 7000);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(7000);
    expect(splitUids(uids, 7000).flat()).toEqual(uids);
    expect(chunks.flatMap((chunk) => expandUidSequence(chunk))).toEqual(uids);
  });

  test('a contiguous set of any size is one chunk', () => {
    expect(chunkUidSet(Array.from({ length: 10_000 }, (_, i) => i + 1))).toEqual(['1:10000']);
  });
});

describe('flags', () => {
  test('system flags are canonicalised and duplicates dropped', () => {
    expect(checkFlags(['\\seen', '\\SEEN', '$Forwarded', 'x'])).toEqual(['\\Seen', '$Forwarded', 'x']);
  });

  test.each(['a b', 'a(b', 'a)b', 'a{b', 'a%b', 'a*b', 'a"b', 'a\\b', 'a]b', 'ü', '', '\\Recent', '\\Other'])(
    'refuses %j',
    (flag) => {
      expect(() => checkFlags([flag])).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    },
  );

  test('a flag both added and removed is refused', () => {
    expect(() => checkFlagChange({ add: ['\\Seen'], remove: ['\\seen'] })).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
  });

  test('keywords outside PERMANENTFLAGS are refused unless it has \\*', () => {
    const fixed = new Set(['\\Seen', '\\Flagged']);
    expect(() => checkPermanent(['\\Seen', 'custom'], fixed)).toThrow(
      expect.objectContaining({ code: 'unsupported_operation' }),
    );
    expect(() => checkPermanent(['custom'], new Set(['\\Seen', '\\*']))).not.toThrow();
  });
});

describe('FETCH lines from STORE', () => {
  test('reads UID and FLAGS and drops \\Recent', () => {
    const line: ParsedResponse = {
      tag: '*',
      command: '3',
      attributes: [
        { type: 'ATOM', value: 'FETCH' },
        [
          { type: 'ATOM', value: 'UID' },
          { type: 'ATOM', value: '7' },
          { type: 'ATOM', value: 'FLAGS' },
          [
            { type: 'ATOM', value: '\\Seen' },
            { type: 'ATOM', value: '\\Recent' },
            { type: 'ATOM', value: 'foo' },
          ],
        ],
      ],
    };
    expect(parseFetchedFlags(line)).toEqual({ uid: 7, flags: ['\\Seen', 'foo'] });
  });

  test('a FETCH without UID is not taken for any message', () => {
    const line: ParsedResponse = {
      tag: '*',
      command: '3',
      attributes: [{ type: 'ATOM', value: 'FETCH' }, [{ type: 'ATOM', value: 'FLAGS' }, []]],
    };
    expect(parseFetchedFlags(line)).toBeNull();
  });
});
