import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy } from '../../support/fault-proxy.js';
import { type Gateway, startGateway } from '../../support/gateway.js';
import { createOAuthMailUser, type OAuthMailUser } from '../../support/oauth-account.js';

/**
 * OAuth2 accounts end to end through the real server and the real token
 * manager: a provider slower than the request's deadline, and POP3
 * accounts (Dovecot validates every bearer token with the fake provider).
 */
const expired = () => new Date(Date.now() - 60_000).toISOString();
const gateways: Gateway[] = [];

afterEach(async () => {
  await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
});

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a provider slower than the request deadline', () => {
  const DEADLINE_MS = 600;
  const PROVIDER_DELAY_MS = 2500;
  let user: OAuthMailUser;

  beforeAll(async () => {
    user = await createOAuthMailUser('oauth-slow-idp');
    await user.seed('INBOX', [{ raw: 'From: a@example.com\r\nSubject: after the wait\r\n\r\nhello\r\n' }]);
  });

  it.each([
    ['IMAP', 'imap', 'imaps'],
    ['POP3', 'pop3', 'pop3s'],
  ] as const)(
    '%s: answers 504 oauth_provider_timeout at the deadline, opens no mail connection, and the next request succeeds',
    async (_label, protocol, port) => {
      // Every mail connection goes through the proxy, so that one left open would show.
      const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: user.server.ports[port] } });
      try {
        const gateway = await startGateway({ MAILGATE_REQUEST_TIMEOUT_MS: DEADLINE_MS });
        gateways.push(gateway);
        const { id, ...document } = user.oauthAccount(
          { protocol, port: proxy.port },
          { expiresAt: expired() },
          await user.grant(),
        );
        await gateway.addAccount(id, document);
        const token = await gateway.token([id], 'read');
        const inbox = () => gateway.get(`/v1/accounts/${id}/mailboxes/INBOX/messages?limit=5`, token);
        await user.idp.configureClient({ clientId: user.clientId, delayMs: PROVIDER_DELAY_MS });
        const before = await user.idp.stats(user.clientId);

        try {
          const started = Date.now();
          const answer = await inbox();
          const elapsed = Date.now() - started;
          const text = await answer.text();
          expect(answer.status).toBe(504);
          expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          expect(JSON.parse(text)).toMatchObject({ status: 504, code: 'oauth_provider_timeout' });
          expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
          expect(elapsed).toBeLessThan(PROVIDER_DELAY_MS);
          expect(text).not.toContain(document.oauth2!.refreshToken!);
        } finally {
          await user.idp.configureClient({ clientId: user.clientId, delayMs: 0 });
        }

        // The refresh the request gave up on ends on its own (the manager's own timeout is 10 s)...
        await until(
          async () => (await user.idp.stats(user.clientId)).refreshGrants > before.refreshGrants,
          PROVIDER_DELAY_MS + 5000,
        );
        // ...and no login was started for the request that was answered already.
        expect(proxy.totalConnections).toBe(0);

        const answer = await inbox();
        expect(answer.status).toBe(200);
        const { messages } = (await answer.json()) as { messages: Array<{ subject: string }> };
        expect(messages.map((message) => message.subject)).toEqual(['after the wait']);
        // The token the late refresh obtained is used: the provider is not asked again.
        const after = await user.idp.stats(user.clientId);
        expect(after.refreshGrants - before.refreshGrants).toBe(1);
        expect(after.tokenRequests - before.tokenRequests).toBe(1);
        // The mail connection is closed once answered (no kept connections here).
        await proxy.whenIdle();
        expect(proxy.connections).toBe(0);
        expect(proxy.totalConnections).toBe(1);
      } finally {
        await proxy.close();
      }
    },
    60_000,
  );
});

describe('POP3 OAuth2 accounts with the token manager', () => {
  let user: OAuthMailUser;
  const pop3 = (u: OAuthMailUser) => ({ protocol: 'pop3' as const, port: u.server.ports.pop3s });

  beforeAll(async () => {
    user = await createOAuthMailUser('oauth-pop3-http');
    await user.seed('INBOX', [
      { raw: 'From: a@example.com\r\nSubject: pop one\r\n\r\none\r\n' },
      { raw: 'From: b@example.com\r\nSubject: pop two\r\n\r\ntwo\r\n' },
    ]);
  });

  it('refreshes an expired stored access token and lists the messages', async () => {
    const gateway = await startGateway();
    gateways.push(gateway);
    const granted = await user.grant();
    // The stored access token no longer works at the server either.
    await user.idp.revokeAccessToken(granted.accessToken);
    const { id, ...document } = user.oauthAccount(pop3(user), { expiresAt: expired() }, granted);
    await gateway.addAccount(id, document);
    const token = await gateway.token([id], 'read');
    const before = await user.idp.stats(user.clientId);

    const answer = await gateway.get(`/v1/accounts/${id}/mailboxes/INBOX/messages`, token);
    expect(answer.status).toBe(200);
    const { messages } = (await answer.json()) as { messages: Array<{ subject: string }> };
    expect(messages.map((message) => message.subject).sort()).toEqual(['pop one', 'pop two']);
    const after = await user.idp.stats(user.clientId);
    expect(after.refreshGrants - before.refreshGrants).toBe(1);
    // The server checked the refreshed token with the provider.
    expect(after.introspections).toBeGreaterThan(before.introspections);
    // Written back to the file store.
    const stored = (await gateway.credentials.getAccount(id))?.oauth2;
    expect(stored?.accessToken).not.toBe(granted.accessToken);
    expect(Date.parse(stored?.expiresAt ?? '')).toBeGreaterThan(Date.now());
  }, 60_000);

  it('answers 502 upstream_auth_failed asking for consent again when the refresh token is revoked', async () => {
    const gateway = await startGateway();
    gateways.push(gateway);
    const granted = await user.grant();
    await user.idp.revokeRefreshToken(granted.refreshToken);
    const { id, ...document } = user.oauthAccount(pop3(user), { expiresAt: expired() }, granted);
    await gateway.addAccount(id, document);
    const token = await gateway.token([id], 'read');

    const answer = await gateway.get(`/v1/accounts/${id}/mailboxes/INBOX/messages`, token);
    const text = await answer.text();
    expect(answer.status).toBe(502);
    const problem = JSON.parse(text) as { code: string; detail: string };
    expect(problem.code).toBe('upstream_auth_failed');
    expect(problem.detail).toContain('invalid_grant');
    expect(problem.detail).toMatch(/consent again/);
    expect(problem.detail).toContain(`mailgate account oauth ${id}`);
    for (const secret of [granted.refreshToken, granted.accessToken]) {
      expect(text).not.toContain(secret);
      expect(gateway.logs.join('\n')).not.toContain(secret);
    }
  }, 60_000);
});
