import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { TokenGrant, TokenRecord, TokenScope } from './store.js';

/**
 * Bearer tokens look like `mg_<tokenId>_<secret>`. The id is public (it names
 * the stored record and appears in `token list`); the secret is 32 random
 * bytes. Only the SHA-256 of the whole token is stored: a leaked store cannot
 * be replayed, and a fast hash is enough because the secret has 256 bits of
 * entropy (slow hashes exist to protect guessable passwords).
 */
const TOKEN_PATTERN = /^mg_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

/** Token ids stay alphanumeric so that `token revoke <id>` can never look like an option. */
export const TOKEN_ID_PATTERN = /^[a-z0-9]{12}$/;

const TOKEN_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface NewTokenGrant {
  accounts: string[] | '*';
  scope: TokenScope;
  label?: string;
}

/**
 * A fresh token in clear (to show once) and the record to store.
 * @throws RangeError for an admin grant that names accounts: an admin token manages every account.
 */
export function mintToken(
  grant: NewTokenGrant,
  now: Date = new Date(),
): { token: string; record: TokenRecord } {
  if (grant.scope === 'admin' && grant.accounts !== '*') {
    throw new RangeError('an admin token grants every account: accounts must be "*"');
  }
  let tokenId = '';
  for (let i = 0; i < 12; i += 1) tokenId += TOKEN_ID_ALPHABET[randomInt(TOKEN_ID_ALPHABET.length)];
  const token = `mg_${tokenId}_${randomBytes(32).toString('base64url')}`;
  const record: TokenRecord = {
    tokenId,
    accounts: grant.accounts === '*' ? '*' : [...grant.accounts],
    scope: grant.scope,
    hash: hashToken(token),
    label: grant.label ?? null,
    createdAt: now.toISOString(),
  };
  return { token, record };
}

/** Hex SHA-256 of the whole presented token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The record id a presented token claims, or undefined when it is not shaped like one of ours. */
export function parseTokenId(token: string): string | undefined {
  return TOKEN_PATTERN.exec(token)?.[1];
}

/** The grant when `token` hashes to the record's hash (constant-time compare), else undefined. */
export function matchToken(token: string, record: TokenRecord): TokenGrant | undefined {
  const expected = Buffer.from(record.hash, 'hex');
  const actual = createHash('sha256').update(token, 'utf8').digest();
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  if (parseTokenId(token) !== record.tokenId) return undefined;
  return { tokenId: record.tokenId, accounts: record.accounts, scope: record.scope };
}

/**
 * Resolves a presented token with a store-specific loader of records by id.
 * @throws whatever `loadRecord` throws (a malformed record is a ConfigurationError).
 */
export async function verifyTokenWith(
  token: string,
  loadRecord: (tokenId: string) => Promise<TokenRecord | undefined>,
): Promise<TokenGrant | undefined> {
  const tokenId = parseTokenId(token);
  if (tokenId === undefined) return undefined;
  const record = await loadRecord(tokenId);
  return record === undefined ? undefined : matchToken(token, record);
}
