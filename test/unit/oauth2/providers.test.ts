import { describe, expect, it } from 'vitest';
import type { OAuth2Credentials, OAuthApp } from '../../../lib/credentials/account.js';
import { resolveOAuthClient } from '../../../lib/oauth2/providers.js';

const APP_SECRET = 'cs-shared-app-secret-never-sent-elsewhere';

const sharedApp: OAuthApp = {
  provider: 'microsoft',
  tenant: 'contoso.example',
  clientId: 'shared-client',
  clientSecret: APP_SECRET,
  scopes: ['https://outlook.office.com/IMAP.AccessAsUser.All'],
};

describe('resolveOAuthClient', () => {
  it('takes the whole client from the app an account names: id, secret and token endpoint together', () => {
    expect(resolveOAuthClient({ app: 'shared', refreshToken: 'rt' }, sharedApp)).toEqual({
      provider: 'microsoft',
      tenant: 'contoso.example',
      clientId: 'shared-client',
      clientSecret: APP_SECRET,
      tokenUrl: 'https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token',
      scopes: ['https://outlook.office.com/IMAP.AccessAsUser.All'],
    });
    const custom: OAuthApp = {
      provider: 'custom',
      clientId: 'c',
      clientSecret: APP_SECRET,
      tokenUrl: 'https://idp.example/token',
    };
    expect(resolveOAuthClient({ app: 'c', refreshToken: 'rt' }, custom)?.tokenUrl).toBe(
      'https://idp.example/token',
    );
  });

  it("never sends an app's secret to a token endpoint or client the account chose", () => {
    // Such a document fails validation; should one arrive here anyway, the app alone decides.
    const hostile = {
      app: 'shared',
      provider: 'custom',
      clientId: 'attacker-client',
      tokenUrl: 'https://attacker.example/token',
      refreshToken: 'rt',
    } as OAuth2Credentials;
    const client = resolveOAuthClient(hostile, sharedApp);
    expect(client?.tokenUrl).toBe('https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token');
    expect(client?.clientId).toBe('shared-client');
    expect(client?.provider).toBe('microsoft');

    for (const overrides of [
      { tokenUrl: 'https://attacker.example/token' },
      { provider: 'custom', tokenUrl: 'https://attacker.example/token' },
      { tenant: 'attacker.example' },
      { provider: 'google' },
    ] as Array<Partial<OAuth2Credentials>>) {
      const resolved = resolveOAuthClient({ app: 'shared', refreshToken: 'rt', ...overrides }, sharedApp);
      expect(resolved).toMatchObject({
        clientId: 'shared-client',
        clientSecret: APP_SECRET,
        tokenUrl: 'https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token',
      });
    }
  });

  it('uses the account secret only with the account client, and the account scopes over the app ones', () => {
    expect(
      resolveOAuthClient(
        {
          app: 'shared',
          clientSecret: 'account-secret',
          refreshToken: 'rt',
          scopes: ['a'],
        } as OAuth2Credentials,
        sharedApp,
      ),
    ).toMatchObject({ clientId: 'shared-client', clientSecret: APP_SECRET, scopes: ['a'] });
    expect(
      resolveOAuthClient(
        { provider: 'google', clientId: 'own', clientSecret: 'own-secret', refreshToken: 'rt' },
        undefined,
      ),
    ).toEqual({
      provider: 'google',
      clientId: 'own',
      clientSecret: 'own-secret',
      tokenUrl: 'https://oauth2.googleapis.com/token',
    });
  });

  it('cannot refresh an account naming an app it was not given, whatever the account holds itself', () => {
    expect(
      resolveOAuthClient(
        {
          app: 'missing',
          provider: 'custom',
          clientId: 'c',
          tokenUrl: 'https://idp.example/token',
          refreshToken: 'rt',
        } as OAuth2Credentials,
        undefined,
      ),
    ).toBeUndefined();
    expect(resolveOAuthClient({ app: 'shared', accessToken: 'at' }, sharedApp)).toBeUndefined();
  });
});
