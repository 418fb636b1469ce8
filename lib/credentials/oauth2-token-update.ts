import type { OAuth2TokenUpdate } from './store.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The compare-and-set of `updateOAuth2Tokens` on a stored (raw) account
 * document: a copy with the refresh's tokens in `oauth2`, every other field
 * as stored, or undefined when the document is not an OAuth2 account whose
 * stored refresh token is still `expectedRefreshToken` (someone re-consented
 * or removed it meanwhile). The caller validates the result before writing.
 */
export function withRefreshedTokens(
  raw: unknown,
  expectedRefreshToken: string,
  next: OAuth2TokenUpdate,
): Record<string, unknown> | undefined {
  if (!isPlainObject(raw) || !isPlainObject(raw.oauth2)) return undefined;
  if (raw.oauth2.refreshToken !== expectedRefreshToken) return undefined;
  const oauth2: Record<string, unknown> = {
    ...raw.oauth2,
    accessToken: next.accessToken,
    expiresAt: next.expiresAt,
  };
  if (next.refreshToken !== undefined) oauth2.refreshToken = next.refreshToken;
  return { ...raw, oauth2 };
}
