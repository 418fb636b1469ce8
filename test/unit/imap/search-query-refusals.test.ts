import { describe, expect, it } from 'vitest';
import { buildSearchQuery } from '../../../lib/imap/read/search-query.js';

describe('buildSearchQuery refusals that keep a search from widening', () => {
  it('refuses smaller: 0, which imapflow would drop (0 is falsy) and so match everything', () => {
    expect(() => buildSearchQuery({ smaller: 0, from: 'alice' })).toThrow(/smaller/);
  });

  it('keeps smaller: 1 as a criterion', () => {
    expect(buildSearchQuery({ smaller: 1 })).toEqual({ smaller: 1 });
  });
});
