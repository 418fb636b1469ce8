import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Account } from '../../../lib/credentials/account.js';
import { ImapMailStore } from '../../../lib/imap/imap-mail-store.js';
import { UpstreamAuthError } from '../../../lib/mail/errors.js';
import { silentLogger } from '../../../lib/mail/logger.js';
import type { MailStore } from '../../../lib/mail/store.js';
import type { MailboxRef } from '../../../lib/mail/types.js';
import { OAuth2TokenManager } from '../../../lib/oauth2/token-manager.js';
import { DEFAULT_POP3_STORE_OPTIONS, Pop3MailStore } from '../../../lib/pop3/index.js';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import { createOAuthMailUser, type OAuthMailUser } from '../../support/oauth-account.js';
import { buildMessage } from '../imap/imap-test-kit.js';
import { buildPool } from '../imap-reuse/reuse-kit.js';

/**
 * The IMAP and POP3 logins with the real OAuth2 token manager, the fake
 * identity provider issuing and refreshing tokens and the test Dovecot
 * checking each one with it: what a user of an OAuth2 account sees when
 * its access token expired, was revoked, or its consent was withdrawn.
 */
const INBOX: MailboxRef = { kind: 'path', path: 'INBOX' };
const PROTOCOLS = ['imap', 'pop3'] as const;
type Protocol = (typeof PROTOCOLS)[number];

let user: OAuthMailUser;
const proxies = new Map<Protocol, FaultProxy>();

beforeAll(async () => {
  user = await createOAuthMailUser('token-manager');
  await user.seed('INBOX', [{ raw: buildMessage({ subject: 'managed' }) }]);
  proxies.set(
    'imap',
    await startFaultProxy({
      target: { host: user.server.host, port: user.server.ports.imap },
      protocol: 'imap',
    }),
  );
  proxies.set(
    'pop3',
    await startFaultProxy({
      target: { host: user.server.host, port: user.server.ports.pop3 },
      protocol: 'pop3',
    }),
  );
});

afterEach(async () => {
  for (const proxy of proxies.values()) {
    await proxy.whenIdle();
    proxy.reset();
  }
});

afterAll(async () => {
  for (const proxy of proxies.values()) await proxy.close();
});

function newManager(): OAuth2TokenManager {
  return new OAuth2TokenManager({ apps: { getOAuthApp: async () => undefined }, allowLoopbackHttp: true });
}

/** An account through the protocol's recording proxy, with the tokens and oauth2 fields given. */
function accountFor(protocol: Protocol, oauth2: Partial<NonNullable<Account['oauth2']>> = {}): Account {
  const proxy = proxies.get(protocol)!;
  return user.oauthAccount({ protocol, port: proxy.port, tls: 'none', allowPlaintext: true }, oauth2);
}

function openStore(
  account: Account,
  manager: OAuth2TokenManager,
  pool?: ReturnType<typeof buildPool>,
): MailStore {
  const context = { signal: new AbortController().signal, logger: silentLogger };
  return account.protocol === 'imap'
    ? new ImapMailStore(account, context, pool, { tokens: manager })
    : new Pop3MailStore(account, context, { ...DEFAULT_POP3_STORE_OPTIONS, tokens: manager });
}

async function subjects(store: MailStore): Promise<string[]> {
  try {
    return (await store.listMessages(INBOX, { limit: 10, filter: {} })).messages.map((m) => m.subject ?? '');
  } finally {
    await store.close();
  }
}

/** The bearer tokens each login sent, in order (IMAP AUTHENTICATE or POP3 AUTH, decoded). */
function bearers(protocol: Protocol): string[] {
  return proxies
    .get(protocol)!
    .commands.map((c) => c.line.split(' '))
    .filter((words) => (protocol === 'imap' ? words[1] : words[0])?.toUpperCase().startsWith('AUTH'))
    .map((words) => Buffer.from(words.at(-1)!, 'base64').toString('utf8'))
    .map((payload) => /auth=Bearer ([^\x01]*)/.exec(payload)?.[1] ?? '');
}

async function stats() {
  return user.idp.stats(user.clientId);
}

describe.each(PROTOCOLS)('%s with the OAuth2 token manager', (protocol) => {
  test('an expired stored access token is refreshed before the login, which then succeeds at once', async () => {
    const expired = await user.grant({ accessTokenTtlSeconds: 0 });
    const account = accountFor(protocol, {
      refreshToken: expired.refreshToken,
      accessToken: expired.accessToken,
      expiresAt: expired.expiresAt,
    });
    const before = await stats();
    expect(await subjects(openStore(account, newManager()))).toEqual(['managed']);
    const after = await stats();
    expect(after.refreshGrants - before.refreshGrants).toBe(1);
    expect(bearers(protocol)).toHaveLength(1);
    expect(bearers(protocol)[0]).not.toBe(expired.accessToken);
    expect(after.introspections - before.introspections).toBe(1);
  });

  test('a revoked access token the store still calls fresh: refused, refreshed once, the retry succeeds', async () => {
    const granted = await user.grant();
    await user.idp.revokeAccessToken(granted.accessToken);
    const account = accountFor(protocol, {
      refreshToken: granted.refreshToken,
      accessToken: granted.accessToken,
      expiresAt: granted.expiresAt,
    });
    const before = await stats();
    expect(await subjects(openStore(account, newManager()))).toEqual(['managed']);
    const after = await stats();
    expect(after.refreshGrants - before.refreshGrants).toBe(1);
    const sent = bearers(protocol);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toBe(granted.accessToken);
    expect(sent[1]).not.toBe(granted.accessToken);
    expect(proxies.get(protocol)!.totalConnections).toBe(2);
  });

  test('consent withdrawn (refresh token revoked too): upstream_auth_failed saying consent is needed, after one login', async () => {
    const granted = await user.grant();
    await user.idp.revokeAccessToken(granted.accessToken);
    await user.idp.revokeRefreshToken(granted.refreshToken);
    const account = accountFor(protocol, {
      refreshToken: granted.refreshToken,
      accessToken: granted.accessToken,
      expiresAt: granted.expiresAt,
    });
    const error = await subjects(openStore(account, newManager())).then(
      () => null,
      (failure: unknown) => failure as UpstreamAuthError,
    );
    expect(error).toBeInstanceOf(UpstreamAuthError);
    expect(error).toMatchObject({ code: 'upstream_auth_failed' });
    expect(error?.detail).toMatch(/consent/i);
    expect(JSON.stringify(error?.detail)).not.toContain(granted.refreshToken);
    expect(bearers(protocol)).toEqual([granted.accessToken]);
    expect(proxies.get(protocol)!.totalConnections).toBe(1);
  });
});

describe.each(PROTOCOLS)('%s: a server that refuses every token', (protocol) => {
  test('10 requests in a row cause at most one refresh: a token just refreshed is not refreshed again', async () => {
    const manager = newManager();
    const granted = await user.grant();
    // The tokens name the user; the login names another, which Dovecot's oauth2 passdb refuses.
    const proxy = proxies.get(protocol)!;
    const account: Account = {
      ...user.oauthAccount({ protocol, port: proxy.port, tls: 'none', allowPlaintext: true }, {}, granted),
      user: `other-${user.user}`,
    };
    const before = await stats();
    for (let request = 0; request < 10; request++) {
      const error = await subjects(openStore(account, manager)).then(
        () => null,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(UpstreamAuthError);
    }
    const after = await stats();
    expect(after.refreshGrants - before.refreshGrants).toBeLessThanOrEqual(1);
    expect(after.tokenRequests - before.tokenRequests).toBeLessThanOrEqual(1);
    // The first request retried once with the refreshed token; every other one logged in once.
    expect(bearers(protocol)).toHaveLength(11);
  }, 90_000);
});

describe('IMAP: the token manager and kept connections', () => {
  test('a token refreshed between two requests neither reopens the kept connection nor refreshes again', async () => {
    const pool = buildPool();
    const manager = newManager();
    try {
      const expired = await user.grant({ accessTokenTtlSeconds: 0 });
      const stored = {
        refreshToken: expired.refreshToken,
        accessToken: expired.accessToken,
        expiresAt: expired.expiresAt,
      };
      const before = await stats();
      expect(await subjects(openStore(accountFor('imap', stored), manager, pool))).toEqual(['managed']);
      // The document as the write-back leaves it: the refreshed token and its expiry, the same refresh token.
      const refreshed = accountFor('imap', {
        ...stored,
        accessToken: bearers('imap')[0]!,
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      });
      expect(await subjects(openStore(refreshed, manager, pool))).toEqual(['managed']);
      const after = await stats();
      expect(proxies.get('imap')!.totalConnections).toBe(1);
      expect(after.refreshGrants - before.refreshGrants).toBe(1);
      expect(after.introspections - before.introspections).toBe(1);
    } finally {
      pool.close();
    }
  });
});
