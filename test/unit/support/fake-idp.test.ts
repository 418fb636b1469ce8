import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeIdp, startFakeIdp } from '../../support/fake-idp/index.js';

/** The fake provider speaks OAuth2 as a well-kept client library expects it to. */
describe('fake identity provider', () => {
  let idp: FakeIdp;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    idp = await startFakeIdp();
    as = {
      issuer: idp.url,
      token_endpoint: `${idp.url}/token`,
      authorization_endpoint: `${idp.url}/authorize`,
      device_authorization_endpoint: `${idp.url}/device`,
    };
  });
  afterAll(() => idp.close());

  const insecure = { [oauth.allowInsecureRequests]: true };

  it('refreshes, rotates strictly when asked, and refuses a revoked token with invalid_grant', async () => {
    const client = { client_id: 'rotating' };
    await idp.control.configureClient({
      clientId: 'rotating',
      rotateRefreshTokens: true,
      accessTokenTtlSeconds: 60,
    });
    const granted = await idp.control.grant({ clientId: 'rotating', user: 'u1' });
    const response = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.None(),
      granted.refreshToken,
      insecure,
    );
    const tokens = await oauth.processRefreshTokenResponse(as, client, response);
    expect(tokens.expires_in).toBe(60);
    expect(tokens.refresh_token).toBeDefined();
    expect(tokens.refresh_token).not.toBe(granted.refreshToken);
    const again = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.None(),
      granted.refreshToken,
      insecure,
    );
    await expect(oauth.processRefreshTokenResponse(as, client, again)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await idp.control.stats('rotating')).refreshGrants).toBe(1);
  });

  it('answers introspection for live tokens only', async () => {
    const granted = await idp.control.grant({ clientId: 'intro', user: 'u2' });
    const ask = async () =>
      (await (
        await fetch(`${idp.url}/introspect`, {
          method: 'POST',
          body: new URLSearchParams({ token: granted.accessToken }),
        })
      ).json()) as Record<string, unknown>;
    expect(await ask()).toMatchObject({ active: true, username: 'u2' });
    await idp.control.revokeAccessToken(granted.accessToken);
    expect(await ask()).toEqual({ active: false });
  });

  it('runs the authorization code flow with PKCE and a signed ID token', async () => {
    const client = { client_id: 'consent', client_secret: 's3cret' };
    await idp.control.configureClient({
      clientId: 'consent',
      clientSecret: 's3cret',
      consentUser: 'who@example.test',
    });
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const redirectUri = 'http://127.0.0.1:5555/callback';
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: 'consent',
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid email',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const redirect = await fetch(url, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const params = oauth.validateAuthResponse(as, client, new URL(redirect.headers.get('location')!), state);
    const auth = oauth.ClientSecretPost('s3cret');
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      auth,
      params,
      redirectUri,
      verifier,
      insecure,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    expect(oauth.getValidatedIdTokenClaims(tokens)?.email).toBe('who@example.test');
    expect(tokens.refresh_token).toBeDefined();
    // A wrong verifier is refused.
    const bad = await fetch(url, { redirect: 'manual' });
    const badParams = oauth.validateAuthResponse(as, client, new URL(bad.headers.get('location')!), state);
    const refused = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      auth,
      badParams,
      redirectUri,
      'x'.repeat(43),
      insecure,
    );
    await expect(oauth.processAuthorizationCodeResponse(as, client, refused)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('fails the next token requests with a 5xx when told to', async () => {
    const client = { client_id: 'flaky' };
    await idp.control.configureClient({ clientId: 'flaky', failNext: { count: 1, status: 503 } });
    const granted = await idp.control.grant({ clientId: 'flaky', user: 'u3' });
    const first = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.None(),
      granted.refreshToken,
      insecure,
    );
    expect(first.status).toBe(503);
    const second = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.None(),
      granted.refreshToken,
      insecure,
    );
    expect((await oauth.processRefreshTokenResponse(as, client, second)).access_token).toMatch(/^at_/);
  });
});
