import { describe, expect, it } from 'vitest';
import type { Account } from '../../lib/credentials/account.js';
import type { OAuth2TokenUpdate } from '../../lib/credentials/store.js';
import type { AccountVerifier, VerificationLogin } from '../../lib/http/app-env.js';
import { UpstreamAuthError } from '../../lib/mail/errors.js';
import type { StoreContext } from '../../lib/mail/store.js';
import type { OAuthTokenHolder } from '../../lib/oauth2/access-token-source.js';
import { adminTestApps, carolOAuthDocument } from '../support/admin-app.js';
import type { MemoryStoreFactory } from '../support/memory-store.js';

/**
 * The account API and OAuth2 tokens: a verifying login goes through the
 * verifier (a login path of its own), an account with a refresh token is
 * tried without the access token it was given, and what that login left is
 * stored; the mail routes' token manager is never asked during a
 * verification, and forgets a removed account.
 */
const setup = adminTestApps();

/** Records forget calls. */
class RecordingHolder implements Pick<OAuthTokenHolder, 'forget'> {
  readonly calls: string[] = [];
  forget(accountId: string): void {
    this.calls.push(`forget ${accountId}`);
  }
}

/** Logs in through the in-memory stores, recording each login and each question about its tokens. */
class RecordingVerifier implements AccountVerifier {
  readonly calls: string[] = [];
  stores: MemoryStoreFactory | undefined;
  constructor(readonly answer: OAuth2TokenUpdate | undefined = undefined) {}
  open(account: Account, context: StoreContext): VerificationLogin {
    if (this.stores === undefined) throw new Error('no stores to log in with');
    this.calls.push(`open ${account.id}`);
    return {
      store: this.stores.open(account, context),
      tokens: () => {
        this.calls.push(`tokens ${account.id}`);
        return this.answer;
      },
    };
  }
}

async function setupWith(verifier: RecordingVerifier, holder = new RecordingHolder()) {
  const app = await setup({ verifier, oauthTokens: holder });
  verifier.stores = app.stores;
  return app;
}

const oauthDocument = (oauth2: Record<string, unknown> = {}) =>
  carolOAuthDocument({
    refreshToken: '1//refresh-token-of-carol',
    accessToken: 'ya29.given-access-token',
    expiresAt: '2099-01-01T00:00:00Z',
    ...oauth2,
  });

describe('PUT /v1/accounts/{account}?verify=true with an OAuth2 account', () => {
  it('logs in through the verifier without the access token given when there is a refresh token, and stores what the login left', async () => {
    const verifier = new RecordingVerifier({
      accessToken: 'ya29.refreshed-by-the-login',
      expiresAt: '2099-02-01T00:00:00.000Z',
      refreshToken: '1//rotated-by-the-login',
    });
    const holder = new RecordingHolder();
    const app = await setupWith(verifier, holder);
    const response = await app.request('/v1/accounts/carol?verify=true', {
      method: 'PUT',
      json: oauthDocument(),
    });
    expect(response.status).toBe(201);

    const { accessToken: _a, expiresAt: _e, ...refreshable } = oauthDocument().oauth2;
    expect(app.stores.opened.map((store) => store.account)).toEqual([
      { ...oauthDocument(), oauth2: refreshable, id: 'carol' },
    ]);
    expect(app.stores.opened[0]?.closeCount).toBe(1);
    expect(verifier.calls).toEqual(['open carol', 'tokens carol']);
    // The mail routes' tokens are neither read nor forgotten by a verification.
    expect(holder.calls).toEqual([]);
    expect((await app.stored()).accounts.carol).toEqual(
      oauthDocument({
        accessToken: 'ya29.refreshed-by-the-login',
        expiresAt: '2099-02-01T00:00:00.000Z',
        refreshToken: '1//rotated-by-the-login',
      }),
    );
  });

  it('logs in with the access token of an account that has nothing to refresh with', async () => {
    const verifier = new RecordingVerifier();
    const app = await setupWith(verifier);
    const document = {
      ...oauthDocument(),
      oauth2: { accessToken: 'ya29.managed-elsewhere', expiresAt: '2099-01-01T00:00:00Z' },
    };
    const response = await app.request('/v1/accounts/carol?verify=true', { method: 'PUT', json: document });
    expect(response.status).toBe(201);
    expect(app.stores.opened[0]?.account).toEqual({ ...document, id: 'carol' });
    expect((await app.stored()).accounts.carol).toEqual(document);
  });

  it('forgets nothing when the verification fails, closes its store, and stores nothing', async () => {
    const verifier = new RecordingVerifier({
      accessToken: 'ya29.not-this',
      expiresAt: '2099-02-01T00:00:00Z',
    });
    const holder = new RecordingHolder();
    const app = await setupWith(verifier, holder);
    app.stores.behaviour.fail = new UpstreamAuthError('The OAuth2 provider refused the refresh token.');
    const response = await app.request('/v1/accounts/carol?verify=true', {
      method: 'PUT',
      json: oauthDocument(),
    });
    expect(response.status).toBe(422);
    expect(verifier.calls).toEqual(['open carol']);
    expect(holder.calls).toEqual([]);
    expect(app.stores.opened[0]?.closeCount).toBe(1);
    expect((await app.stored()).accounts.carol).toBeUndefined();
  });

  it('closes the verifying store at the deadline, answers 504 and stores nothing', async () => {
    const verifier = new RecordingVerifier();
    const app = await setup({ verifier, config: { MAILGATE_REQUEST_TIMEOUT_MS: 300 } });
    verifier.stores = app.stores;
    app.stores.behaviour.hang = true;
    const response = await app.request('/v1/accounts/carol?verify=true', {
      method: 'PUT',
      json: oauthDocument(),
    });
    expect(response.status).toBe(504);
    expect(app.stores.opened[0]?.closeCount).toBe(1);
    expect(verifier.calls).toEqual(['open carol']);
    expect((await app.stored()).accounts.carol).toBeUndefined();
  });

  it('stores the document as given without verify, logging in with nothing', async () => {
    const verifier = new RecordingVerifier({
      accessToken: 'ya29.not-this',
      expiresAt: '2099-02-01T00:00:00Z',
    });
    const holder = new RecordingHolder();
    const app = await setupWith(verifier, holder);
    const response = await app.request('/v1/accounts/carol', { method: 'PUT', json: oauthDocument() });
    expect(response.status).toBe(201);
    expect(verifier.calls).toEqual([]);
    expect(holder.calls).toEqual([]);
    expect((await app.stored()).accounts.carol).toEqual(oauthDocument());
  });

  it('answers 501 unsupported_operation on a server without a verifier, and stores nothing', async () => {
    const app = await setup({ verifier: null });
    const response = await app.request('/v1/accounts/carol?verify=true', {
      method: 'PUT',
      json: oauthDocument(),
    });
    expect(response.status).toBe(501);
    expect(((await response.json()) as { code: string }).code).toBe('unsupported_operation');
    expect(app.stores.opened).toEqual([]);
    expect((await app.stored()).accounts.carol).toBeUndefined();
  });
});

describe('DELETE /v1/accounts/{account} with an OAuth2 token holder', () => {
  it('forgets what is held for the removed account, and nothing for an unknown one', async () => {
    const holder = new RecordingHolder();
    const app = await setup({ oauthTokens: holder });
    expect((await app.request('/v1/accounts/alpha', { method: 'DELETE' })).status).toBe(204);
    expect((await app.request('/v1/accounts/nobody', { method: 'DELETE' })).status).toBe(404);
    expect(holder.calls).toEqual(['forget alpha']);
  });
});
