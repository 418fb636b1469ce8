import { describe, expect, it } from 'vitest';
import {
  hashToken,
  matchToken,
  mintToken,
  parseTokenId,
  verifyTokenWith,
} from '../../../lib/credentials/tokens.js';

describe('bearer tokens', () => {
  it('mints mg_<id>_<secret> tokens whose record holds only the hash', () => {
    const { token, record } = mintToken({ accounts: ['work'], scope: 'read', label: 'ci' });
    expect(token).toMatch(/^mg_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(parseTokenId(token)).toBe(record.tokenId);
    expect(record.hash).toBe(hashToken(token));
    expect(JSON.stringify(record)).not.toContain(token.slice(16));
    expect(record).toMatchObject({ accounts: ['work'], scope: 'read', label: 'ci' });
  });

  it('mints a different token every time', () => {
    const tokens = new Set(
      Array.from({ length: 50 }, () => mintToken({ accounts: '*', scope: 'write' }).token),
    );
    expect(tokens.size).toBe(50);
  });

  it('accepts the token it minted and nothing else', () => {
    const { token, record } = mintToken({ accounts: '*', scope: 'write' });
    expect(matchToken(token, record)).toEqual({ tokenId: record.tokenId, accounts: '*', scope: 'write' });
    const lastChar = token.at(-1) === 'A' ? 'B' : 'A';
    expect(matchToken(`${token.slice(0, -1)}${lastChar}`, record)).toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['no prefix', 'abcdefghijkl_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'],
    ['short secret', 'mg_abcdefghijkl_short'],
    ['upper-case id', `mg_ABCDEFGHIJKL_${'a'.repeat(43)}`],
    ['trailing junk', `mg_abcdefghijkl_${'a'.repeat(43)} `],
  ])('rejects a malformed token (%s) without loading anything', async (_name, token) => {
    let loads = 0;
    const grant = await verifyTokenWith(token, async () => {
      loads += 1;
      return undefined;
    });
    expect(grant).toBeUndefined();
    expect(loads).toBe(0);
  });

  it('looks up the record named by the token id', async () => {
    const { token, record } = mintToken({ accounts: ['a', 'b'], scope: 'read' });
    const asked: string[] = [];
    const grant = await verifyTokenWith(token, async (tokenId) => {
      asked.push(tokenId);
      return record;
    });
    expect(asked).toEqual([record.tokenId]);
    expect(grant).toEqual({ tokenId: record.tokenId, accounts: ['a', 'b'], scope: 'read' });
  });

  it('rejects a well-formed token whose record is gone (revoked)', async () => {
    const { token } = mintToken({ accounts: '*', scope: 'read' });
    expect(await verifyTokenWith(token, async () => undefined)).toBeUndefined();
  });
});
