import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account, OAuth2Credentials, OAuthApp } from '../../../lib/credentials/account.js';
import { createLogger } from '../../../lib/log/create-logger.js';
import {
  AccountConfigurationError,
  ConfigurationError,
  MailgateError,
  OAuthProviderTimeoutError,
  OAuthProviderUnavailableError,
  UpstreamAuthError,
} from '../../../lib/mail/errors.js';
import type { RefreshedTokenPersistence, RefreshedTokens } from '../../../lib/oauth2/refreshed-tokens.js';
import { FRESHLY_MINTED_MS, OAuth2TokenManager } from '../../../lib/oauth2/token-manager.js';
import { type FakeIdp, type FakeIdpClientSettings, startFakeIdp } from '../../support/fake-idp/index.js';
import { MemoryCredentialStore } from '../../support/memory-store.js';

let idp: FakeIdp;

beforeAll(async () => {
  idp = await startFakeIdp();
});

afterAll(async () => {
  await idp.close();
});

const USER = 'alice@example.test';
const never = () => new AbortController().signal;

/** An OAuth2 IMAP account; `oauth2` is used as given. */
function oauthAccount(oauth2: OAuth2Credentials, id = 'work'): Account {
  return { id, protocol: 'imap', host: '127.0.0.1', port: 993, tls: 'implicit', user: USER, oauth2 };
}

/**
 * A client of its own at the fake provider, a grant for it, and a manager
 * on an injected clock (starting at the real time: the provider's tokens
 * expire in real time) whose log lines are kept.
 */
async function setup(
  settings: Omit<FakeIdpClientSettings, 'clientId'> = {},
  options: {
    timeoutMs?: number;
    persistence?: RefreshedTokenPersistence;
    apps?: Record<string, OAuthApp>;
    /** Default true: the fake provider is plain http on loopback. */
    allowLoopbackHttp?: boolean;
    maxEntries?: number;
  } = {},
) {
  const clientId = `tm-${randomBytes(6).toString('hex')}`;
  await idp.control.configureClient({ clientId, ...settings });
  const grant = await idp.control.grant({ clientId, user: USER });
  const logs: string[] = [];
  let now = Date.now();
  const manager = new OAuth2TokenManager({
    apps: new MemoryCredentialStore([], {}, options.apps ?? {}),
    logger: createLogger({ level: 'debug', write: (line) => logs.push(line) }),
    now: () => now,
    allowLoopbackHttp: options.allowLoopbackHttp ?? true,
    ...(options.maxEntries !== undefined ? { maxEntries: options.maxEntries } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.persistence !== undefined ? { persistence: options.persistence } : {}),
  });
  /** The account as consented: refresh token, and the given stored access token fields. */
  const account = (stored: Partial<OAuth2Credentials> = {}) =>
    oauthAccount({
      provider: 'custom',
      clientId,
      tokenUrl: idp.control.tokenUrl,
      refreshToken: grant.refreshToken,
      ...stored,
    });
  return {
    clientId,
    grant,
    manager,
    account,
    logs,
    stats: () => idp.control.stats(clientId),
    advance(ms: number) {
      now += ms;
    },
    at: () => now,
  };
}

async function rejection(promise: Promise<unknown>): Promise<MailgateError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MailgateError);
  return error as MailgateError;
}

const expired = () => new Date(Date.now() - 60_000).toISOString();

/** A persistence port that saves every write-back it is handed, keeping them in order. */
function savingPersistence(): { saved: RefreshedTokens[]; persistence: RefreshedTokenPersistence } {
  const saved: RefreshedTokens[] = [];
  return {
    saved,
    persistence: {
      async saveRefreshed(_id, tokens) {
        saved.push(tokens);
        return true;
      },
    },
  };
}

describe('OAuth2TokenManager: when it refreshes', () => {
  it('refreshes an expired stored token before use, and serves the new one from memory after', async () => {
    const t = await setup();
    const account = t.account({ accessToken: t.grant.accessToken, expiresAt: expired() });

    const token = await t.manager.accessToken(account, never());
    expect(token).not.toBe(t.grant.accessToken);
    expect(await t.manager.accessToken(account, never())).toBe(token);
    expect((await t.stats()).refreshGrants).toBe(1);
  });

  it('uses a fresh stored token without asking the provider', async () => {
    const t = await setup();
    const account = t.account({ accessToken: t.grant.accessToken, expiresAt: t.grant.expiresAt });

    expect(await t.manager.accessToken(account, never())).toBe(t.grant.accessToken);
    expect(await t.manager.accessToken(account, never())).toBe(t.grant.accessToken);
    expect((await t.stats()).tokenRequests).toBe(0);
  });

  it('refreshes an account with only a refresh token at once', async () => {
    const t = await setup();
    const token = await t.manager.accessToken(t.account(), never());
    expect(token).toMatch(/^at_/);
    expect((await t.stats()).refreshGrants).toBe(1);
  });

  it('refreshes inside the margin: 10 % of the lifetime, at most 5 minutes', async () => {
    // A 600 s token: 60 s margin.
    const short = await setup({ accessTokenTtlSeconds: 600 });
    const first = await short.manager.accessToken(short.account(), never());
    short.advance((600 - 61) * 1000);
    expect(await short.manager.accessToken(short.account(), never())).toBe(first);
    short.advance(2000);
    expect(await short.manager.accessToken(short.account(), never())).not.toBe(first);
    expect((await short.stats()).refreshGrants).toBe(2);

    // A 3600 s token: 360 s would be 10 %, capped at 300 s.
    const long = await setup();
    const token = await long.manager.accessToken(long.account(), never());
    long.advance((3600 - 301) * 1000);
    expect(await long.manager.accessToken(long.account(), never())).toBe(token);
    long.advance(2000);
    expect(await long.manager.accessToken(long.account(), never())).not.toBe(token);
    expect((await long.stats()).refreshGrants).toBe(2);
  });

  it('takes a stored token with an unknown lifetime to last an hour: refreshed 5 minutes before expiresAt', async () => {
    const t = await setup();
    const expiresAt = new Date(t.at() + 6 * 60_000).toISOString();
    const account = t.account({ accessToken: t.grant.accessToken, expiresAt });
    expect(await t.manager.accessToken(account, never())).toBe(t.grant.accessToken);
    t.advance(2 * 60_000);
    expect(await t.manager.accessToken(account, never())).not.toBe(t.grant.accessToken);
    expect((await t.stats()).refreshGrants).toBe(1);
  });

  it('uses a stored token without expiresAt as is, and refreshes once a server refuses it', async () => {
    const t = await setup();
    const account = t.account({ accessToken: t.grant.accessToken });
    expect(await t.manager.accessToken(account, never())).toBe(t.grant.accessToken);
    expect((await t.stats()).tokenRequests).toBe(0);

    const retry = await t.manager.afterRefusal(account, t.grant.accessToken, never());
    expect(retry).toMatch(/^at_/);
    expect(retry).not.toBe(t.grant.accessToken);
    expect(await t.manager.accessToken(account, never())).toBe(retry);
    expect((await t.stats()).refreshGrants).toBe(1);
  });

  it('hands out an access token that nothing refreshes as is, and no retry', async () => {
    const t = await setup();
    const account = oauthAccount({ accessToken: 'at-managed-elsewhere' });
    expect(await t.manager.accessToken(account, never())).toBe('at-managed-elsewhere');
    expect(await t.manager.afterRefusal(account, 'at-managed-elsewhere', never())).toBeUndefined();
    const { oauth2: _none, ...withPassword } = { ...account, password: 'pw-not-oauth' };
    await expect(t.manager.accessToken(withPassword, never())).rejects.toThrow(ConfigurationError);
  });

  it('takes a fresher token another process stored over refreshing its own', async () => {
    const t = await setup();
    const own = await t.manager.accessToken(t.account(), never());
    t.advance(3600 * 1000);
    const elsewhere = await idp.control.grant({ clientId: t.clientId, user: USER });
    const account = t.account({
      accessToken: elsewhere.accessToken,
      expiresAt: new Date(t.at() + 3 * 3600 * 1000).toISOString(),
    });

    expect(await t.manager.accessToken(account, never())).toBe(elsewhere.accessToken);
    expect(own).not.toBe(elsewhere.accessToken);
    expect((await t.stats()).refreshGrants).toBe(1);
    // Once a server refused it, it is not taken from the store again.
    const retry = await t.manager.afterRefusal(account, elsewhere.accessToken, never());
    expect(retry).not.toBe(elsewhere.accessToken);
    t.advance(3600 * 1000);
    expect(await t.manager.accessToken(account, never())).not.toBe(elsewhere.accessToken);
    expect((await t.stats()).refreshGrants).toBe(3);
  });

  it('forgets what it holds when the account names another client (here: another token endpoint)', async () => {
    const t = await setup();
    await t.manager.accessToken(t.account(), never());
    const moved = await startFakeIdp();
    await moved.close();

    const error = await rejection(
      t.manager.accessToken(t.account({ tokenUrl: `${moved.url}/token` }), never()),
    );
    expect(error).toBeInstanceOf(OAuthProviderUnavailableError);
  });

  it('forgets what it holds when the stored refresh token changes (consent given again)', async () => {
    const t = await setup();
    const before = await t.manager.accessToken(t.account(), never());
    const again = await idp.control.grant({ clientId: t.clientId, user: USER });
    const reconsented = t.account({ refreshToken: again.refreshToken });

    const after = await t.manager.accessToken(reconsented, never());
    expect(after).not.toBe(before);
    expect((await t.stats()).refreshGrants).toBe(2);
  });
});

describe('OAuth2TokenManager: one refresh at a time', () => {
  it('answers 20 concurrent requests with one token request', async () => {
    const t = await setup({ delayMs: 100 });
    const account = t.account({ accessToken: t.grant.accessToken, expiresAt: expired() });

    const tokens = await Promise.all(
      Array.from({ length: 20 }, () => t.manager.accessToken(account, never())),
    );
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(t.grant.accessToken);
    const stats = await t.stats();
    expect(stats.tokenRequests).toBe(1);
    expect(stats.refreshGrants).toBe(1);
  });

  it('after a refusal of the current token, refreshed over a minute ago: one refresh and a new token', async () => {
    const t = await setup();
    const account = t.account();
    const current = await t.manager.accessToken(account, never());
    t.advance(FRESHLY_MINTED_MS + 1000);

    const retry = await t.manager.afterRefusal(account, current, never());
    expect(retry).toMatch(/^at_/);
    expect(retry).not.toBe(current);
    expect(await t.manager.accessToken(account, never())).toBe(retry);
    expect((await t.stats()).refreshGrants).toBe(2);
  });

  it('after a refusal of a token another request already replaced: that token, no refresh', async () => {
    const t = await setup();
    const account = t.account({ accessToken: t.grant.accessToken, expiresAt: t.grant.expiresAt });
    const stale = await t.manager.accessToken(account, never());
    const current = await t.manager.afterRefusal(account, stale, never());
    expect((await t.stats()).refreshGrants).toBe(1);

    expect(await t.manager.afterRefusal(account, stale, never())).toBe(current);
    expect((await t.stats()).refreshGrants).toBe(1);
  });

  it('concurrent refusals of one token share one refresh', async () => {
    const t = await setup({ delayMs: 50 });
    const account = t.account({ accessToken: t.grant.accessToken, expiresAt: t.grant.expiresAt });
    const retries = await Promise.all(
      Array.from({ length: 5 }, () => t.manager.afterRefusal(account, t.grant.accessToken, never())),
    );
    expect(new Set(retries).size).toBe(1);
    expect((await t.stats()).tokenRequests).toBe(1);
  });
});

describe('OAuth2TokenManager: failures', () => {
  it('a revoked refresh token is upstream_auth_failed saying consent is needed again, and is not asked again for 30 s', async () => {
    const t = await setup();
    await idp.control.revokeRefreshToken(t.grant.refreshToken);
    const account = t.account();

    const error = await rejection(t.manager.accessToken(account, never()));
    expect(error).toBeInstanceOf(UpstreamAuthError);
    expect(error.code).toBe('upstream_auth_failed');
    expect(error.detail).toContain('invalid_grant');
    expect(error.detail).toContain('consent again');
    expect(error.detail).toContain('mailgate account oauth work');
    expect(error.detail).toContain('PUT /v1/accounts/work');

    await expect(t.manager.accessToken(account, never())).rejects.toThrow(UpstreamAuthError);
    expect((await t.stats()).tokenRequests).toBe(1);
    t.advance(31_000);
    await expect(t.manager.accessToken(account, never())).rejects.toThrow(UpstreamAuthError);
    expect((await t.stats()).tokenRequests).toBe(2);

    // Consent given again: the new refresh token is tried at once.
    const again = await idp.control.grant({ clientId: t.clientId, user: USER });
    expect(await t.manager.accessToken(t.account({ refreshToken: again.refreshToken }), never())).toMatch(
      /^at_/,
    );
  });

  it('a provider 5xx is oauth_provider_unavailable, and the next request tries again', async () => {
    const t = await setup({ failNext: { count: 1, status: 503 } });
    const error = await rejection(t.manager.accessToken(t.account(), never()));
    expect(error).toBeInstanceOf(OAuthProviderUnavailableError);
    expect(error.code).toBe('oauth_provider_unavailable');

    expect(await t.manager.accessToken(t.account(), never())).toMatch(/^at_/);
    expect((await t.stats()).tokenRequests).toBe(2);
  });

  it('a provider that cannot be reached is oauth_provider_unavailable', async () => {
    const t = await setup();
    const closed = await startFakeIdp();
    await closed.close();
    const account = t.account({ tokenUrl: `${closed.url}/token` });
    const error = await rejection(t.manager.accessToken(account, never()));
    expect(error).toBeInstanceOf(OAuthProviderUnavailableError);
  });

  it('a slow provider is oauth_provider_timeout within the timeout', async () => {
    const t = await setup({ delayMs: 3000 }, { timeoutMs: 200 });
    const started = performance.now();
    const error = await rejection(t.manager.accessToken(t.account(), never()));
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(OAuthProviderTimeoutError);
    expect(error.code).toBe('oauth_provider_timeout');
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1000);
  });

  it('stops waiting when the request is aborted before the timeout', async () => {
    const t = await setup({ delayMs: 3000 });
    const started = performance.now();
    const error = await rejection(t.manager.accessToken(t.account(), AbortSignal.timeout(150)));
    expect(error).toBeInstanceOf(OAuthProviderTimeoutError);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('a wrong client secret is upstream_auth_failed naming the OAuth error code', async () => {
    const t = await setup({ clientSecret: 'cs-right-secret-value' });
    const error = await rejection(
      t.manager.accessToken(t.account({ clientSecret: 'cs-wrong-secret-value' }), never()),
    );
    expect(error).toBeInstanceOf(UpstreamAuthError);
    expect(error.detail).toContain('(invalid_client)');
    expect(error.detail).not.toContain('consent again');
  });
});

describe('OAuth2TokenManager: OAuth apps', () => {
  it('takes the client id and secret from the app the account names', async () => {
    const secret = `cs-${randomBytes(12).toString('hex')}`;
    const clientId = `tm-app-${randomBytes(6).toString('hex')}`;
    const app: OAuthApp = {
      provider: 'custom',
      clientId,
      clientSecret: secret,
      tokenUrl: idp.control.tokenUrl,
    };
    const t = await setup({}, { apps: { shared: app } });
    await idp.control.configureClient({ clientId, clientSecret: secret });
    const grant = await idp.control.grant({ clientId, user: USER });
    const account = oauthAccount({ app: 'shared', refreshToken: grant.refreshToken });

    expect(await t.manager.accessToken(account, never())).toMatch(/^at_/);
    expect((await idp.control.stats(clientId)).refreshGrants).toBe(1);

    // The same client without the app's secret is refused.
    const withoutSecret = oauthAccount(
      { provider: 'custom', clientId, tokenUrl: idp.control.tokenUrl, refreshToken: grant.refreshToken },
      'other',
    );
    const error = await rejection(t.manager.accessToken(withoutSecret, never()));
    expect(error.detail).toContain('(invalid_client)');
  });

  it('an account naming an app that is not stored is a configuration error', async () => {
    const t = await setup();
    const account = oauthAccount({ app: 'missing', refreshToken: t.grant.refreshToken });
    const error = await rejection(t.manager.accessToken(account, never()));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.detail).toContain('OAuth app "missing"');
  });
});

describe('OAuth2TokenManager: rotated refresh tokens', () => {
  it('uses the rotated refresh token next time and hands it to the persistence port', async () => {
    const { saved, persistence } = savingPersistence();
    const t = await setup({ rotateRefreshTokens: true }, { persistence });
    const account = t.account();
    const first = await t.manager.accessToken(account, never());
    t.advance(3600 * 1000);
    // The store still says the original refresh token (a cached document): same lineage.
    const second = await t.manager.accessToken(account, never());

    expect(second).not.toBe(first);
    expect((await t.stats()).refreshGrants).toBe(2);
    expect(saved).toHaveLength(2);
    expect(saved[0]?.usedRefreshToken).toBe(t.grant.refreshToken);
    expect(saved[0]?.accessToken).toBe(first);
    expect(saved[1]?.usedRefreshToken).toBe(saved[0]?.refreshToken);
    expect(saved[1]?.refreshToken).toMatch(/^rt_/);
    expect((await t.stats()).liveRefreshTokens).toEqual([saved[1]?.refreshToken]);
    expect(Date.parse(saved[0]?.expiresAt ?? '')).toBeGreaterThan(Date.now() + 3500 * 1000);
  });

  it('with write-back off, warns once per account that a rotated refresh token lives in memory only', async () => {
    const t = await setup({ rotateRefreshTokens: true });
    await t.manager.accessToken(t.account(), never());
    t.advance(3600 * 1000);
    await t.manager.accessToken(t.account(), never());
    expect((await t.stats()).refreshGrants).toBe(2);

    const warnings = t.logs.filter((line) => line.includes('write-back is off'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 'warn', account: 'work' });
    expect(warnings[0]).toContain('MAILGATE_OAUTH_WRITE_BACK');
  });

  it('a failed write-back does not fail the request, and is logged without secrets', async () => {
    const persistence: RefreshedTokenPersistence = {
      async saveRefreshed() {
        throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
      },
    };
    const t = await setup({ rotateRefreshTokens: true }, { persistence });
    expect(await t.manager.accessToken(t.account(), never())).toMatch(/^at_/);
    const line = t.logs.find((each) => each.includes('write-back failed'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 'warn', account: 'work', errorCode: 'ENOSPC' });
  });

  it('a write-back that hangs holds the request no longer than the timeout', async () => {
    const persistence: RefreshedTokenPersistence = { saveRefreshed: () => new Promise<boolean>(() => {}) };
    const t = await setup({}, { persistence, timeoutMs: 300 });
    const started = performance.now();
    expect(await t.manager.accessToken(t.account(), never())).toMatch(/^at_/);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(t.logs.some((line) => line.includes('write-back did not finish in time'))).toBe(true);
  });
});

describe('OAuth2TokenManager: secrets stay out of errors and logs', () => {
  it('no token or client secret appears in any error or log line', async () => {
    const clientSecret = `cs-${randomBytes(12).toString('hex')}`;
    const t = await setup({ clientSecret, rotateRefreshTokens: true, failNext: { count: 1, status: 500 } });
    const account = t.account({ clientSecret, accessToken: t.grant.accessToken, expiresAt: expired() });
    const errors: unknown[] = [];
    const attempt = (promise: Promise<unknown>) => promise.catch((error: unknown) => errors.push(error));

    await attempt(t.manager.accessToken(account, never())); // 500
    const token = await t.manager.accessToken(account, never()); // rotated
    const wrongSecret = oauthAccount({ ...account.oauth2, clientSecret: 'cs-not-it' }, 'other');
    await attempt(t.manager.accessToken(wrongSecret, never())); // invalid_client
    const rotated = (await t.stats()).liveRefreshTokens;
    await idp.control.revokeRefreshToken(rotated[0]!);
    t.advance(FRESHLY_MINTED_MS + 1000); // a token just refreshed would not be refreshed again
    await attempt(t.manager.afterRefusal(account, token, never())); // invalid_grant

    const secrets = [clientSecret, t.grant.refreshToken, t.grant.accessToken, token, ...rotated];
    expect(errors.map((error) => (error as MailgateError).code)).toEqual([
      'oauth_provider_unavailable',
      'upstream_auth_failed',
      'upstream_auth_failed',
    ]);
    const texts = [
      ...t.logs,
      ...errors.map((error) => {
        const e = error as MailgateError;
        return JSON.stringify({
          message: e.message,
          detail: e.detail,
          cause: String(e.cause),
          stack: e.stack,
        });
      }),
    ];
    expect(t.logs.length).toBeGreaterThan(0);
    for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
  });
});

describe('OAuth2TokenManager: every refresh token of a lineage', () => {
  it('recognises a document two rotations behind (a cached copy) and refreshes with the newest token only', async () => {
    const { saved, persistence } = savingPersistence();
    const t = await setup({ rotateRefreshTokens: true }, { persistence });
    const r0 = t.account();
    await t.manager.accessToken(r0, never()); // R0 → R1
    const r1 = t.account({
      refreshToken: saved[0]!.refreshToken,
      accessToken: saved[0]!.accessToken,
      expiresAt: saved[0]!.expiresAt,
    });
    t.advance(3600 * 1000);
    const current = await t.manager.accessToken(r1, never()); // R1 → R2
    expect(saved[1]?.usedRefreshToken).toBe(saved[0]?.refreshToken);
    const r2 = saved[1]!.refreshToken!;
    expect((await t.stats()).liveRefreshTokens).toEqual([r2]);

    // Another request still carries the R1 document, its access token long expired.
    expect(await t.manager.accessToken(r1, never())).toBe(current);
    expect(t.manager.held(r1)).toMatchObject({ accessToken: current, refreshToken: r2 });
    expect(t.manager.held(r0)).toMatchObject({ accessToken: current, refreshToken: r2 });
    expect((await t.stats()).refreshGrants).toBe(2);

    // Refused by a server: the refresh uses R2, not the R1 the document names.
    t.advance(FRESHLY_MINTED_MS + 1000);
    const retry = await t.manager.afterRefusal(r1, current, never());
    expect(retry).toMatch(/^at_/);
    expect(retry).not.toBe(current);
    expect(saved[2]?.usedRefreshToken).toBe(r2);
    expect((await t.stats()).refreshGrants).toBe(3);
  });
});

describe('OAuth2TokenManager: a server that refuses a token just refreshed', () => {
  it('does not refresh again for a refusal of the token it refreshed less than a minute ago', async () => {
    const t = await setup();
    const account = t.account({ accessToken: t.grant.accessToken, expiresAt: t.grant.expiresAt });
    // The stored token refused: it may have been revoked, so one refresh.
    const minted = await t.manager.afterRefusal(account, t.grant.accessToken, never());
    expect(minted).toMatch(/^at_/);
    expect((await t.stats()).refreshGrants).toBe(1);

    // The new token refused too (wrong user, mail access disabled): not the token's fault.
    for (let request = 0; request < 10; request++) {
      expect(await t.manager.accessToken(account, never())).toBe(minted);
      expect(await t.manager.afterRefusal(account, minted!, never())).toBeUndefined();
      t.advance(5000);
    }
    expect((await t.stats()).tokenRequests).toBe(1);

    // Once it is older than that, a refusal refreshes once more.
    t.advance(FRESHLY_MINTED_MS);
    const later = await t.manager.afterRefusal(account, minted!, never());
    expect(later).toMatch(/^at_/);
    expect(later).not.toBe(minted);
    expect((await t.stats()).refreshGrants).toBe(2);
  });

  it('still answers a refusal of a token another request replaced with the replacement', async () => {
    const t = await setup();
    const account = t.account({ accessToken: t.grant.accessToken, expiresAt: t.grant.expiresAt });
    const minted = await t.manager.afterRefusal(account, t.grant.accessToken, never());
    expect(await t.manager.afterRefusal(account, t.grant.accessToken, never())).toBe(minted);
    expect((await t.stats()).refreshGrants).toBe(1);
  });
});

describe('OAuth2TokenManager: refusals of the client', () => {
  it('a refused client (invalid_client) is not asked about again for 30 s', async () => {
    // The fake provider counts no request it refused the client of: a token endpoint that counts them.
    let requests = 0;
    const refusing = createServer((request, response) => {
      requests += 1;
      request.resume();
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'invalid_client' }));
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    try {
      const t = await setup();
      const { port } = refusing.address() as AddressInfo;
      const account = t.account({ tokenUrl: `http://127.0.0.1:${port}/token` });

      const first = await rejection(t.manager.accessToken(account, never()));
      expect(first.detail).toContain('(invalid_client)');
      const again = await rejection(t.manager.accessToken(account, never()));
      expect(again.detail).toContain('(invalid_client)');
      expect(requests).toBe(1);
      t.advance(31_000);
      await expect(t.manager.accessToken(account, never())).rejects.toThrow(UpstreamAuthError);
      expect(requests).toBe(2);
    } finally {
      refusing.closeAllConnections();
      await new Promise((resolve) => refusing.close(resolve));
    }
  });

  it('a corrected client secret is asked at once, not answered with the remembered refusal', async () => {
    const t = await setup({ clientSecret: 'cs-right-secret-value' });
    const wrong = t.account({ clientSecret: 'cs-wrong-secret-value' });
    const error = await rejection(t.manager.accessToken(wrong, never()));
    expect(error.detail).toContain('(invalid_client)');

    // The document stored again with the right secret (no verification): same refresh token, same lineage.
    const corrected = t.account({ clientSecret: 'cs-right-secret-value' });
    expect(await t.manager.accessToken(corrected, never())).toMatch(/^at_/);
    expect((await t.stats()).refreshGrants).toBe(1);
  });

  it("an OAuth app's updated secret is asked at once, not answered with the remembered refusal", async () => {
    const clientId = `tm-app-${randomBytes(6).toString('hex')}`;
    const right = `cs-${randomBytes(12).toString('hex')}`;
    const apps: Record<string, OAuthApp> = {
      shared: {
        provider: 'custom',
        clientId,
        clientSecret: 'cs-outdated-secret',
        tokenUrl: idp.control.tokenUrl,
      },
    };
    const t = await setup({}, { apps });
    await idp.control.configureClient({ clientId, clientSecret: right });
    const grant = await idp.control.grant({ clientId, user: USER });
    const account = oauthAccount({ app: 'shared', refreshToken: grant.refreshToken });

    const error = await rejection(t.manager.accessToken(account, never()));
    expect(error.detail).toContain('(invalid_client)');
    apps.shared = { ...apps.shared!, clientSecret: right };
    expect(await t.manager.accessToken(account, never())).toMatch(/^at_/);
    expect((await idp.control.stats(clientId)).refreshGrants).toBe(1);
  });

  it('a provider 5xx is not remembered: the next request asks again', async () => {
    const t = await setup({ failNext: { count: 1, status: 502 } });
    await expect(t.manager.accessToken(t.account(), never())).rejects.toThrow(OAuthProviderUnavailableError);
    expect(await t.manager.accessToken(t.account(), never())).toMatch(/^at_/);
    expect((await t.stats()).tokenRequests).toBe(2);
  });
});

describe('OAuth2TokenManager: forgetting, and how many accounts it holds', () => {
  /** The same consented tokens under another account id. */
  const as = (t: Awaited<ReturnType<typeof setup>>, id: string, stored: Partial<OAuth2Credentials> = {}) =>
    oauthAccount(t.account(stored).oauth2!, id);

  it('forget drops the cached token: the next request starts from the document', async () => {
    const t = await setup();
    const account = t.account();
    const first = await t.manager.accessToken(account, never());
    expect(t.manager.held(account)?.accessToken).toBe(first);

    t.manager.forget('work');
    expect(t.manager.held(account)).toBeUndefined();
    const second = await t.manager.accessToken(account, never());
    expect(second).not.toBe(first);
    expect((await t.stats()).refreshGrants).toBe(2);
    t.manager.forget('never-held');
  });

  it('holds at most maxEntries accounts, dropping the least recently used', async () => {
    const t = await setup({}, { maxEntries: 2 });
    for (const id of ['a', 'b', 'c']) await t.manager.accessToken(as(t, id), never());
    expect(t.manager.held(as(t, 'a'))).toBeUndefined();
    expect(t.manager.held(as(t, 'b'))).toBeDefined();
    expect(t.manager.held(as(t, 'c'))).toBeDefined();
    expect((await t.stats()).refreshGrants).toBe(3);

    await t.manager.accessToken(as(t, 'b'), never()); // cached; b is now the most recent
    expect((await t.stats()).refreshGrants).toBe(3);
    await t.manager.accessToken(as(t, 'd'), never());
    expect(t.manager.held(as(t, 'c'))).toBeUndefined();
    expect(t.manager.held(as(t, 'b'))).toBeDefined();
    expect(t.manager.held(as(t, 'd'))).toBeDefined();
  });

  it('never drops an account whose refresh is in progress', async () => {
    const t = await setup({ delayMs: 300 }, { maxEntries: 1 });
    const slow = t.manager.accessToken(as(t, 'slow'), never());
    // A fresh stored token: no refresh, but a new entry beyond the cap.
    const fresh = as(t, 'fresh', { accessToken: t.grant.accessToken, expiresAt: t.grant.expiresAt });
    expect(await t.manager.accessToken(fresh, never())).toBe(t.grant.accessToken);
    const token = await slow;
    expect(t.manager.held(as(t, 'slow'))?.accessToken).toBe(token);
    expect(await t.manager.accessToken(as(t, 'slow'), never())).toBe(token);
    expect((await t.stats()).refreshGrants).toBe(1);
  });

  it('at the cap, drops an account holding nothing the store lacks before one holding an unsaved rotated refresh token', async () => {
    // Strict rotation, write-back off: once rotated, the stored refresh token is dead.
    const t = await setup({ rotateRefreshTokens: true }, { maxEntries: 2 });
    const fresh = (id: string) =>
      as(t, id, { accessToken: t.grant.accessToken, expiresAt: t.grant.expiresAt });
    await t.manager.accessToken(as(t, 'rotated'), never()); // R0 → R1, in this process only
    await t.manager.accessToken(fresh('b'), never());
    await t.manager.accessToken(fresh('c'), never()); // beyond the cap: `b` goes, not `rotated`
    expect(t.manager.held(as(t, 'rotated'))?.refreshToken).toMatch(/^rt_/);

    t.advance(3600 * 1000);
    expect(await t.manager.accessToken(as(t, 'rotated'), never())).toMatch(/^at_/);
    expect((await t.stats()).refreshGrants).toBe(2);
    expect(t.logs.some((line) => line.includes('not written back;'))).toBe(false);
  });

  it('keeps an account whose rotated refresh token failed to be written back over one that holds nothing new', async () => {
    const persistence: RefreshedTokenPersistence = {
      async saveRefreshed() {
        throw Object.assign(new Error('throttled'), { code: 'ThrottlingException' });
      },
    };
    const t = await setup({ rotateRefreshTokens: true }, { maxEntries: 2, persistence });
    const fresh = (id: string) =>
      as(t, id, { accessToken: t.grant.accessToken, expiresAt: t.grant.expiresAt });
    await t.manager.accessToken(as(t, 'rotated'), never());
    await t.manager.accessToken(fresh('b'), never());
    await t.manager.accessToken(fresh('c'), never());
    expect(t.manager.held(as(t, 'rotated'))?.refreshToken).toMatch(/^rt_/);
  });

  it('warns, naming the account only, when an unsaved rotated refresh token must be dropped', async () => {
    const t = await setup({ reissueRefreshTokens: true }, { maxEntries: 1 });
    await t.manager.accessToken(as(t, 'a'), never());
    const reissued = t.manager.held(as(t, 'a'))?.refreshToken;
    expect(reissued).toMatch(/^rt_/);
    await t.manager.accessToken(as(t, 'b'), never()); // `a` must go: every other entry holds one too
    expect(t.manager.held(as(t, 'a'))).toBeUndefined();
    t.manager.forget('b');

    const dropped = t.logs.filter((line) => line.includes('not written back;'));
    expect(dropped).toHaveLength(2);
    expect(JSON.parse(dropped[0]!)).toMatchObject({ level: 'warn', account: 'a' });
    expect(JSON.parse(dropped[1]!)).toMatchObject({ level: 'warn', account: 'b' });
    for (const line of dropped) {
      expect(line).not.toContain(reissued!);
      expect(line).not.toContain(t.grant.refreshToken);
    }
  });

  it('drops an account whose rotated refresh token was written back, or is in the document, without a warning', async () => {
    const { persistence } = savingPersistence();
    const t = await setup({ rotateRefreshTokens: true }, { maxEntries: 1, persistence });
    await t.manager.accessToken(as(t, 'saved'), never());
    const off = await setup({ rotateRefreshTokens: true }, { maxEntries: 1 });
    await off.manager.accessToken(as(off, 'stored'), never());
    const rotated = off.manager.held(as(off, 'stored'))!.refreshToken!;
    // The document now names the rotated token (written back by hand, or by another process).
    await off.manager.accessToken(as(off, 'stored', { refreshToken: rotated }), never());

    // `saved` dropped at the cap, `stored` forgotten.
    const other = as(t, 'other', { accessToken: t.grant.accessToken, expiresAt: t.grant.expiresAt });
    await t.manager.accessToken(other, never());
    expect(t.manager.held(as(t, 'saved'))).toBeUndefined();
    off.manager.forget('stored');
    for (const logs of [t.logs, off.logs]) {
      expect(logs.some((line) => line.includes('not written back;'))).toBe(false);
    }
  });

  it('warns about a rotation in memory only once per account it holds, within the same cap', async () => {
    const t = await setup({ reissueRefreshTokens: true }, { maxEntries: 2 });
    const warnings = () => t.logs.filter((line) => line.includes('write-back is off')).length;
    for (const id of ['a', 'b', 'c']) await t.manager.accessToken(as(t, id), never());
    expect(warnings()).toBe(3);
    // `a` was dropped from the warned accounts when `c` came in: warned about again.
    await t.manager.accessToken(as(t, 'a'), never());
    expect(warnings()).toBe(4);
    // `c` is still held and warned about: its next rotation is not.
    t.advance(3600 * 1000);
    await t.manager.accessToken(as(t, 'c'), never());
    expect(warnings()).toBe(4);
    // Forgotten: warned about again.
    t.manager.forget('c');
    await t.manager.accessToken(as(t, 'c'), never());
    expect(warnings()).toBe(5);
  });
});

describe('OAuth2TokenManager: plain http token endpoints', () => {
  it('refuses one on loopback without allowLoopbackHttp, before any request, naming the setting', async () => {
    const t = await setup({}, { allowLoopbackHttp: false });
    const error = await rejection(t.manager.accessToken(t.account(), never()));
    expect(error).toBeInstanceOf(AccountConfigurationError);
    expect(error.detail).toContain('MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP');
    expect(error.detail).not.toContain(idp.control.tokenUrl);
    expect((await t.stats()).tokenRequests).toBe(0);

    const allowed = new OAuth2TokenManager({
      apps: new MemoryCredentialStore(),
      allowLoopbackHttp: true,
    });
    expect(await allowed.accessToken(t.account(), never())).toMatch(/^at_/);
    expect((await t.stats()).refreshGrants).toBe(1);
  });

  it('refuses one by default', async () => {
    const t = await setup();
    const manager = new OAuth2TokenManager({ apps: new MemoryCredentialStore() });
    await expect(manager.accessToken(t.account(), never())).rejects.toThrow(
      'MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP',
    );
    expect((await t.stats()).tokenRequests).toBe(0);
  });
});
