import { describe, expect, test } from 'vitest';
import type { Account } from '../../../lib/credentials/account.js';
import { credentialsVersion } from '../../../lib/imap/pool/connection-reuse.js';

/** An OAuth2 account as the gateway holds it: refresh token, client, and the access token it last refreshed. */
function buildOAuthAccount(
  overrides: Partial<Account> = {},
  oauth2: Partial<Account['oauth2']> = {},
): Account {
  return {
    id: 'acct',
    protocol: 'imap',
    host: 'imap.example.test',
    port: 993,
    tls: 'implicit',
    user: 'alice@example.test',
    ...overrides,
    oauth2: {
      provider: 'custom',
      clientId: 'client-1',
      tokenUrl: 'https://idp.example.test/token',
      refreshToken: 'rt-1',
      accessToken: 'at-1',
      expiresAt: '2026-12-03T15:00:00Z',
      ...oauth2,
    },
  };
}

describe('credentialsVersion: which account changes make kept connections unusable', () => {
  const base = credentialsVersion(buildOAuthAccount());

  test.each([
    [
      'a refreshed access token and expiry',
      buildOAuthAccount({}, { accessToken: 'at-2', expiresAt: '2026-12-03T16:00:00Z' }),
    ],
    [
      'an access token the document did not hold before',
      buildOAuthAccount({}, { accessToken: undefined, expiresAt: undefined }),
    ],
  ])('not %s: the kept connection is authenticated already', (_name, account) => {
    expect(credentialsVersion(account)).toBe(base);
  });

  test.each([
    ['another refresh token (re-consent)', buildOAuthAccount({}, { refreshToken: 'rt-2' })],
    ['another client', buildOAuthAccount({}, { clientId: 'client-2' })],
    ['another user', buildOAuthAccount({ user: 'bob@example.test' })],
    ['another host', buildOAuthAccount({ host: 'imap2.example.test' })],
  ])('but %s', (_name, account) => {
    expect(credentialsVersion(account)).not.toBe(base);
  });

  test('a password account: any change, the password included', () => {
    const { oauth2: _oauth2, ...document } = buildOAuthAccount();
    const withPassword: Account = { ...document, password: 'one' };
    expect(credentialsVersion({ ...withPassword, password: 'two' })).not.toBe(
      credentialsVersion(withPassword),
    );
    expect(credentialsVersion({ ...withPassword })).toBe(credentialsVersion(withPassword));
  });
});
