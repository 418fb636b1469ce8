import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AccountDocument, OAuth2Credentials } from '../../../lib/credentials/account.js';
import type { FakeIdpGrant } from '../../support/fake-idp/index.js';
import { type Gateway, type GatewayOptions, startGateway } from '../../support/gateway.js';
import { createOAuthMailUser, type OAuthMailUser } from '../../support/oauth-account.js';

/**
 * OAuth2 accounts end to end, as `npm start` wires them: the real Node
 * server, the token manager writing back to the accounts file, the test
 * Dovecot validating every bearer token with the fake provider.
 */
describe('OAuth2 accounts through the real server', () => {
  let user: OAuthMailUser;
  const gateways: Gateway[] = [];

  /** A gateway (startGateway), closed after the test. */
  const start = async (...args: Parameters<typeof startGateway>) => {
    const gateway = await startGateway(...args);
    gateways.push(gateway);
    return gateway;
  };
  const onDisk = async (gateway: Gateway, id: string) => {
    const file = JSON.parse(await readFile(join(gateway.credentials.path), 'utf8')) as {
      accounts: Record<string, AccountDocument>;
    };
    return file.accounts[id]?.oauth2;
  };
  const inbox = (gateway: Gateway, id: string, token: string) =>
    gateway.get(`/v1/accounts/${id}/mailboxes/~inbox/messages?limit=5`, token);
  const putVerified = (gateway: Gateway, admin: string, id: string, document: AccountDocument) =>
    gateway.get(`/v1/accounts/${id}?verify=true`, admin, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(document),
    });
  /** The account of `granted`, its stored access token expired `agoMs` ago, stored in `gateway`. */
  const addExpired = async (gateway: Gateway, granted: FakeIdpGrant, agoMs = 60_000) => {
    const expiresAt = new Date(Date.now() - agoMs).toISOString();
    const { id, ...document } = user.oauthAccount({}, { expiresAt }, granted);
    await gateway.addAccount(id, document);
    return { id, document };
  };
  /** A gateway, its admin token and the account of a new grant (`oauth2` overriding its fields), not stored. */
  const toVerify = async (oauth2: Partial<OAuth2Credentials> = {}, options: GatewayOptions = {}) => {
    const gateway = await start({}, options);
    const admin = await gateway.token('*', 'admin');
    const granted = await user.grant();
    const { id, ...document } = user.oauthAccount({}, oauth2, granted);
    return { gateway, admin, granted, id, document };
  };

  beforeAll(async () => {
    user = await createOAuthMailUser('oauth-http');
    await user.seed('INBOX', [{ raw: 'From: a@example.com\r\nSubject: via oauth\r\n\r\nhello\r\n' }]);
  });

  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
  });

  it('refreshes an expired stored access token once for 20 concurrent requests, and writes it back', async () => {
    const gateway = await start();
    const granted = await user.grant();
    const { id } = await addExpired(gateway, granted);
    const token = await gateway.token([id], 'read');
    const before = await user.idp.stats(user.clientId);

    const answers = await Promise.all(Array.from({ length: 20 }, () => inbox(gateway, id, token)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    const subjects = await Promise.all(
      answers.map(
        async (answer) =>
          ((await answer.json()) as { messages: Array<{ subject: string }> }).messages[0]?.subject,
      ),
    );
    expect(new Set(subjects)).toEqual(new Set(['via oauth']));

    const after = await user.idp.stats(user.clientId);
    expect(after.refreshGrants - before.refreshGrants).toBe(1);
    const stored = await onDisk(gateway, id);
    expect(stored?.accessToken).not.toBe(granted.accessToken);
    expect(Date.parse(stored?.expiresAt ?? '')).toBeGreaterThan(Date.now());
    expect(stored?.refreshToken).toBe(granted.refreshToken);
  }, 60_000);

  it('keeps a rotated refresh token: written to the file, and what a restarted server uses', async () => {
    await user.idp.configureClient({ clientId: user.clientId, rotateRefreshTokens: true });
    try {
      const first = await start();
      const granted = await user.grant();
      const { id, document } = await addExpired(first, granted);
      const token = await first.token([id], 'read');
      expect((await inbox(first, id, token)).status).toBe(200);

      const rotated = await onDisk(first, id);
      expect(rotated?.refreshToken).toBeDefined();
      expect(rotated?.refreshToken).not.toBe(granted.refreshToken);
      const live = (await user.idp.stats(user.clientId)).liveRefreshTokens;
      expect(live).toContain(rotated?.refreshToken);
      expect(live).not.toContain(granted.refreshToken);

      // A new process on the same file, whose access token then stops working: it refreshes with the rotated token.
      await user.idp.revokeAccessToken(rotated?.accessToken ?? '');
      const second = await start();
      await second.addAccount(id, { ...document, oauth2: rotated });
      const secondToken = await second.token([id], 'read');
      const answer = await inbox(second, id, secondToken);
      expect(answer.status).toBe(200);
    } finally {
      await user.idp.configureClient({ clientId: user.clientId, rotateRefreshTokens: false });
    }
  }, 60_000);

  it('answers 502 upstream_auth_failed asking for consent again when the refresh token is revoked', async () => {
    const gateway = await start();
    const granted = await user.grant();
    await user.idp.revokeRefreshToken(granted.refreshToken);
    const { id } = await addExpired(gateway, granted, 1000);
    const token = await gateway.token([id], 'read');

    const answer = await inbox(gateway, id, token);
    const text = await answer.text();
    expect(answer.status).toBe(502);
    const problem = JSON.parse(text) as { code: string; detail: string };
    expect(problem.code).toBe('upstream_auth_failed');
    expect(problem.detail).toMatch(/consent/i);
    expect(text).not.toContain(granted.refreshToken);
    expect(text).not.toContain(granted.accessToken);
    expect(gateway.logs.join('\n')).not.toContain(granted.refreshToken);
  }, 60_000);

  it('answers 502 oauth_provider_unavailable when the provider fails, and recovers on the next request', async () => {
    const gateway = await start();
    const { id } = await addExpired(gateway, await user.grant(), 1000);
    const token = await gateway.token([id], 'read');
    await user.idp.configureClient({ clientId: user.clientId, failNext: { count: 1, status: 503 } });

    const failed = await inbox(gateway, id, token);
    expect(failed.status).toBe(502);
    expect(((await failed.json()) as { code: string }).code).toBe('oauth_provider_unavailable');
    expect((await inbox(gateway, id, token)).status).toBe(200);
  }, 60_000);

  it('stores the tokens a verifying login left when the provider rotated the refresh token', async () => {
    await user.idp.configureClient({ clientId: user.clientId, rotateRefreshTokens: true });
    try {
      // No access token: the verifying login must refresh, which rotates the refresh token.
      const { gateway, admin, granted, id, document } = await toVerify({
        accessToken: undefined,
        expiresAt: undefined,
      });
      const put = await putVerified(gateway, admin, id, document);
      const text = await put.text();
      expect(put.status).toBe(201);
      expect(text).not.toContain(granted.refreshToken);
      // The rotated token is stored with the document: nothing warns that it was not written back.
      expect(gateway.logs.filter((line) => /not written back|write-back is off/.test(line))).toEqual([]);

      const stored = await onDisk(gateway, id);
      const live = (await user.idp.stats(user.clientId)).liveRefreshTokens;
      expect(stored?.refreshToken).not.toBe(granted.refreshToken);
      expect(live).toContain(stored?.refreshToken);
      expect(stored?.accessToken).toBeDefined();

      // Another process, knowing only the file, reads mail with it.
      const other = await start();
      await other.addAccount(id, { ...document, oauth2: stored });
      await user.idp.revokeAccessToken(stored?.accessToken ?? '');
      expect((await inbox(other, id, await other.token([id], 'read'))).status).toBe(200);
    } finally {
      await user.idp.configureClient({ clientId: user.clientId, rotateRefreshTokens: false });
    }
  }, 60_000);
  describe('?verify=true tests the refresh token, not only the access token it is given', () => {
    it('answers 422 and stores nothing for a revoked refresh token, even with a valid access token', async () => {
      const { gateway, admin, granted, id, document } = await toVerify();
      await user.idp.revokeRefreshToken(granted.refreshToken);

      const put = await putVerified(gateway, admin, id, document);
      const text = await put.text();
      expect(put.status).toBe(422);
      const problem = JSON.parse(text) as { code: string; detail: string };
      expect(problem.code).toBe('verification_failed');
      expect(problem.detail).toContain('invalid_grant');
      expect(text).not.toContain(granted.refreshToken);
      expect(text).not.toContain(granted.accessToken);
      expect(await gateway.credentials.getAccount(id)).toBeUndefined();
    }, 60_000);

    it('answers 422 for an account naming an OAuth app that is not stored, although its access token works', async () => {
      const { gateway, admin, id, document } = await toVerify();
      const { clientId: _clientId, tokenUrl: _tokenUrl, provider: _provider, ...rest } = document.oauth2!;

      const put = await putVerified(gateway, admin, id, { ...document, oauth2: { ...rest, app: 'missing' } });
      expect(put.status).toBe(422);
      expect(((await put.json()) as { detail: string }).detail).toContain('OAuth app "missing"');
      expect(await gateway.credentials.getAccount(id)).toBeUndefined();
    }, 60_000);

    it('stores a working refresh token with the access token its refresh gave (201), not the one in the body', async () => {
      const { gateway, admin, granted, id, document } = await toVerify();
      const before = await user.idp.stats(user.clientId);

      const put = await putVerified(gateway, admin, id, document);
      expect(put.status).toBe(201);
      expect((await user.idp.stats(user.clientId)).refreshGrants - before.refreshGrants).toBe(1);
      const stored = await onDisk(gateway, id);
      expect(stored?.refreshToken).toBe(granted.refreshToken);
      expect(stored?.accessToken).toMatch(/^at_/);
      // The verifying login writes nothing back (the account is not stored yet): no warning about it.
      expect(gateway.logs.filter((line) => line.includes('not written back'))).toEqual([]);
      expect(stored?.accessToken).not.toBe(granted.accessToken);
      expect(Date.parse(stored?.expiresAt ?? '')).toBeGreaterThan(Date.now() + 3000 * 1000);

      // The stored access token works as it is: reading mail asks the provider nothing.
      await user.idp.revokeAccessToken(granted.accessToken);
      const reader = await gateway.token([id], 'read');
      expect((await inbox(gateway, id, reader)).status).toBe(200);
      expect((await user.idp.stats(user.clientId)).refreshGrants - before.refreshGrants).toBe(1);
    }, 60_000);

    it.each([
      ['without', false],
      ['with', true],
    ])(
      'does not answer from what the server holds for an account in use (%s kept IMAP connections): a replacement with a revoked refresh token is 422',
      async (_label, reuse) => {
        const { gateway, admin, granted, id, document } = await toVerify(
          { accessToken: undefined, expiresAt: undefined },
          { reuse },
        );
        expect((await putVerified(gateway, admin, id, document)).status).toBe(201);
        const kept = await gateway.credentials.getAccount(id);
        // In use: the server holds a fresh access token for it.
        expect((await inbox(gateway, id, await gateway.token([id], 'read'))).status).toBe(200);

        await user.idp.revokeRefreshToken(granted.refreshToken);
        const before = await user.idp.stats(user.clientId);
        const again = await putVerified(gateway, admin, id, document);
        expect(again.status).toBe(422);
        expect(((await again.json()) as { code: string }).code).toBe('verification_failed');
        // The login asked the provider (and was refused), rather than riding on a kept connection.
        expect((await user.idp.stats(user.clientId)).tokenRequests - before.tokenRequests).toBe(1);
        expect(await gateway.credentials.getAccount(id)).toEqual(kept);
      },
      60_000,
    );

    it('stores a live refresh token when a mail request for the stored account runs during the verification (strict rotation)', async () => {
      await user.idp.configureClient({ clientId: user.clientId, rotateRefreshTokens: true, delayMs: 600 });
      try {
        const gateway = await start();
        const admin = await gateway.token('*', 'admin');
        // In use: stored with a fresh access token, and read with it.
        const { id, ...stored } = user.oauthAccount({}, {}, await user.grant());
        await gateway.addAccount(id, stored);
        const reader = await gateway.token([id], 'read');
        expect((await inbox(gateway, id, reader)).status).toBe(200);

        // Consent again: the verifying login refreshes (slowly) and the provider rotates the new refresh token.
        const granted = await user.grant();
        const { id: _id, ...replacement } = user.oauthAccount({}, {}, granted);
        const put = putVerified(gateway, admin, id, replacement);
        await new Promise((resolve) => setTimeout(resolve, 200));
        const read = await inbox(gateway, id, reader);
        expect(read.status).toBe(200);
        expect((await put).status).toBe(200);

        const kept = await onDisk(gateway, id);
        expect(kept?.refreshToken).not.toBe(granted.refreshToken);
        expect((await user.idp.stats(user.clientId)).liveRefreshTokens).toContain(kept?.refreshToken);
        expect(kept?.accessToken).not.toBe(granted.accessToken);
        expect(gateway.logs.join('\n')).not.toContain(granted.refreshToken);
      } finally {
        await user.idp.configureClient({ clientId: user.clientId, rotateRefreshTokens: false, delayMs: 0 });
      }
    }, 60_000);
  });

  describe('a plain http token endpoint without MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP', () => {
    it('is refused before any token request: 500 naming the setting on a mail request, 422 on verify', async () => {
      const gateway = await start({ MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP: false });
      const granted = await user.grant();
      const { id, document } = await addExpired(gateway, granted);
      const before = await user.idp.stats(user.clientId);

      const answer = await inbox(gateway, id, await gateway.token([id], 'read'));
      const text = await answer.text();
      expect(answer.status).toBe(500);
      const problem = JSON.parse(text) as { code: string; detail: string };
      expect(problem.code).toBe('internal_error');
      expect(problem.detail).toContain(`account "${id}"`);
      expect(problem.detail).toContain('MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP');
      expect(text).not.toContain(user.idp.tokenUrl);

      const admin = await gateway.token('*', 'admin');
      const put = await putVerified(gateway, admin, `other-${id}`, {
        ...document,
        oauth2: { ...document.oauth2, expiresAt: granted.expiresAt },
      });
      expect(put.status).toBe(422);
      expect(((await put.json()) as { detail: string }).detail).toContain(
        'MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP',
      );
      expect(await gateway.credentials.getAccount(`other-${id}`)).toBeUndefined();

      const after = await user.idp.stats(user.clientId);
      expect(after.tokenRequests).toBe(before.tokenRequests);
    }, 60_000);
  });
});
