import { describe, expect, it } from 'vitest';
import type { Account } from '../../lib/credentials/account.js';
import type { OAuth2TokenUpdate } from '../../lib/credentials/store.js';
import { UpstreamAuthError } from '../../lib/mail/errors.js';
import type { OAuthTokenHolder } from '../../lib/oauth2/access-token-source.js';
import { adminTestApps, carolOAuthDocument } from '../support/admin-app.js';

/**
 * The account API and what the OAuth2 token manager holds: a verifying
 * login of an account with a refresh token uses no access token it was
 * given and no cached one, and what it leaves is stored; a failed
 * verification and a removed account are forgotten.
 */
const setup = adminTestApps();

/** Records forget calls (in order with held calls) and answers `held` with what it is given. */
class RecordingHolder implements OAuthTokenHolder {
  readonly calls: string[] = [];
  constructor(readonly answer: OAuth2TokenUpdate | undefined = undefined) {}
  held(account: Account): OAuth2TokenUpdate | undefined {
    this.calls.push(`held ${account.id}`);
    return this.answer;
  }
  forget(accountId: string): void {
    this.calls.push(`forget ${accountId}`);
  }
}

const oauthDocument = (oauth2: Record<string, unknown> = {}) =>
  carolOAuthDocument({
    refreshToken: '1//refresh-token-of-carol',
    accessToken: 'ya29.given-access-token',
    expiresAt: '2099-01-01T00:00:00Z',
    ...oauth2,
  });

describe('PUT /v1/accounts/{account}?verify=true with an OAuth2 account', () => {
  it('logs in without the access token given when there is a refresh token, having forgotten the id first', async () => {
    const holder = new RecordingHolder({
      accessToken: 'ya29.refreshed-by-the-login',
      expiresAt: '2099-02-01T00:00:00.000Z',
      refreshToken: '1//rotated-by-the-login',
    });
    const app = await setup({ oauthTokens: holder });
    const response = await app.request('/v1/accounts/carol?verify=true', {
      method: 'PUT',
      json: oauthDocument(),
    });
    expect(response.status).toBe(201);

    const { accessToken: _a, expiresAt: _e, ...refreshable } = oauthDocument().oauth2;
    expect(app.stores.opened[0]?.account).toEqual({ ...oauthDocument(), oauth2: refreshable, id: 'carol' });
    expect(holder.calls).toEqual(['forget carol', 'held carol']);
    expect((await app.stored()).accounts.carol).toEqual(
      oauthDocument({
        accessToken: 'ya29.refreshed-by-the-login',
        expiresAt: '2099-02-01T00:00:00.000Z',
        refreshToken: '1//rotated-by-the-login',
      }),
    );
  });

  it('logs in with the access token of an account that has nothing to refresh with', async () => {
    const holder = new RecordingHolder();
    const app = await setup({ oauthTokens: holder });
    const document = {
      ...oauthDocument(),
      oauth2: { accessToken: 'ya29.managed-elsewhere', expiresAt: '2099-01-01T00:00:00Z' },
    };
    const response = await app.request('/v1/accounts/carol?verify=true', { method: 'PUT', json: document });
    expect(response.status).toBe(201);
    expect(app.stores.opened[0]?.account).toEqual({ ...document, id: 'carol' });
    expect((await app.stored()).accounts.carol).toEqual(document);
  });

  it('forgets the id again when the verification fails, and stores nothing', async () => {
    const holder = new RecordingHolder();
    const app = await setup({ oauthTokens: holder });
    app.stores.behaviour.fail = new UpstreamAuthError('The OAuth2 provider refused the refresh token.');
    const response = await app.request('/v1/accounts/carol?verify=true', {
      method: 'PUT',
      json: oauthDocument(),
    });
    expect(response.status).toBe(422);
    expect(holder.calls).toEqual(['forget carol', 'forget carol']);
    expect((await app.stored()).accounts.carol).toBeUndefined();
  });

  it('stores the document as given without verify, asking the holder nothing', async () => {
    const holder = new RecordingHolder({
      accessToken: 'ya29.not-this',
      expiresAt: '2099-02-01T00:00:00.000Z',
    });
    const app = await setup({ oauthTokens: holder });
    const response = await app.request('/v1/accounts/carol', { method: 'PUT', json: oauthDocument() });
    expect(response.status).toBe(201);
    expect(holder.calls).toEqual([]);
    expect((await app.stored()).accounts.carol).toEqual(oauthDocument());
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
