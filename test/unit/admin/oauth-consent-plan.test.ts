import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { chooseMode, userFromClaims } from '../../../lib/admin/oauth/consent-flow.js';
import { authorizationUrl, planConsent, requestOptions } from '../../../lib/admin/oauth/consent-plan.js';
import { UsageError } from '../../../lib/admin/usage-error.js';

/** URL building only: nothing here contacts Google or Microsoft. */
const attempt = {
  redirectUri: 'http://127.0.0.1:53123/callback',
  state: 'state-1',
  codeChallenge: 'c'.repeat(43),
};

function query(url: URL): Record<string, string> {
  return Object.fromEntries(url.searchParams);
}

describe('authorization URLs of the presets', () => {
  it('Google: offline access with a forced consent screen, so a second consent still returns a refresh token', () => {
    const plan = planConsent({ provider: 'google', clientId: 'g.apps.googleusercontent.com' });
    const url = authorizationUrl(plan, { ...attempt, loginHint: 'ann@gmail.com' });
    expect(url.origin + url.pathname).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    expect(query(url)).toEqual({
      response_type: 'code',
      client_id: 'g.apps.googleusercontent.com',
      redirect_uri: attempt.redirectUri,
      scope: 'https://mail.google.com/ openid email',
      state: 'state-1',
      code_challenge: attempt.codeChallenge,
      code_challenge_method: 'S256',
      access_type: 'offline',
      prompt: 'consent',
      login_hint: 'ann@gmail.com',
    });
    expect(plan.as.token_endpoint).toBe('https://oauth2.googleapis.com/token');
    // Google's device flow does not allow the mail scope: --no-browser pastes the redirect instead.
    expect(plan.as.device_authorization_endpoint).toBeUndefined();
    expect(chooseMode(plan, true)).toBe('paste');
    expect(chooseMode(plan, false)).toBe('loopback');
  });

  it('Microsoft: the tenant in every endpoint path, the IMAP, POP and offline_access scopes, no extra parameters', () => {
    const plan = planConsent({ provider: 'microsoft', tenant: 'contoso.onmicrosoft.com', clientId: 'm-id' });
    const url = authorizationUrl(plan, attempt);
    expect(url.origin + url.pathname).toBe(
      'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize',
    );
    expect(plan.as.token_endpoint).toBe(
      'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
    );
    expect(plan.as.device_authorization_endpoint).toBe(
      'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode',
    );
    expect(url.searchParams.get('scope')?.split(' ')).toEqual([
      'https://outlook.office.com/IMAP.AccessAsUser.All',
      'https://outlook.office.com/POP.AccessAsUser.All',
      'offline_access',
      'openid',
      'email',
    ]);
    expect(url.searchParams.has('access_type')).toBe(false);
    expect(url.searchParams.has('prompt')).toBe(false);
    expect(url.searchParams.has('login_hint')).toBe(false);
    expect(chooseMode(plan, true)).toBe('device');
    expect(plan.mailScopes).toEqual({
      imap: 'https://outlook.office.com/IMAP.AccessAsUser.All',
      pop3: 'https://outlook.office.com/POP.AccessAsUser.All',
    });
  });

  it('Microsoft without a tenant signs in through common', () => {
    const plan = planConsent({ provider: 'microsoft', clientId: 'm-id' });
    expect(plan.tenant).toBe('common');
    expect(plan.as.authorization_endpoint).toBe(
      'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
    );
  });

  it('custom: keeps the query of its authorize URL, and --scope replaces the preset scopes', () => {
    const plan = planConsent({
      provider: 'custom',
      clientId: 'c-id',
      authorizeUrl: 'https://idp.example/auth?realm=mail',
      tokenUrl: 'https://idp.example/token',
      scopes: ['mail', 'offline'],
    });
    const url = authorizationUrl(plan, attempt);
    expect(url.searchParams.get('realm')).toBe('mail');
    expect(url.searchParams.get('scope')).toBe('mail offline');
    expect(plan.as.issuer).toBe('https://idp.example');
    expect(plan.mailScopes).toEqual({});
    const google = planConsent({ provider: 'google', clientId: 'g', scopes: ['https://mail.google.com/'] });
    expect(authorizationUrl(google, attempt).searchParams.get('scope')).toBe('https://mail.google.com/');
  });
});

describe('planConsent refuses before any sign-in', () => {
  it.each([
    [
      { provider: 'custom', clientId: 'c', tokenUrl: 'https://i.example/t', scopes: ['m'] },
      '--authorize-url',
    ],
    [
      {
        provider: 'custom',
        clientId: 'c',
        authorizeUrl: 'https://i.example/a',
        tokenUrl: 'https://i.example/t',
      },
      '--scope',
    ],
    [
      { provider: 'google', clientId: 'g', authorizeUrl: 'http://accounts.example/auth' },
      'must be an https URL',
    ],
    [{ provider: 'google', clientId: 'g', scopes: ['a b'] }, 'printable ASCII'],
    [{ provider: 'google', clientId: 'g', scopes: ['a"b'] }, 'printable ASCII'],
    [{ provider: 'google', clientId: 'g', tenant: 'common' }, '--tenant applies'],
    [{ provider: 'microsoft', clientId: 'm', tenant: 'x/../../evil' }, '--tenant must be'],
    [{ provider: 'microsoft', clientId: 'm', issuer: 'https://i.example' }, '--issuer'],
  ] as const)('%j', (input, message) => {
    expect(() => planConsent(input)).toThrow(UsageError);
    expect(() => planConsent(input)).toThrow(message);
  });
});

describe('the rest of the plan', () => {
  it('allows plain http only towards loopback endpoints, which planConsent alone admits', () => {
    const signal = new AbortController().signal;
    expect(requestOptions('http://127.0.0.1:8080/token', signal)[oauth.allowInsecureRequests]).toBe(true);
    expect(requestOptions('https://login.example/token', signal)[oauth.allowInsecureRequests]).toBe(false);
  });

  it('authenticates with the secret when there is one, else as a public client', async () => {
    const body = async (plan: ReturnType<typeof planConsent>) => {
      const params = new URLSearchParams();
      const headers = new Headers();
      await plan.clientAuth(plan.as, plan.client, params, headers);
      return Object.fromEntries(params);
    };
    expect(await body(planConsent({ provider: 'google', clientId: 'g', clientSecret: 'shh' }))).toEqual({
      client_id: 'g',
      client_secret: 'shh',
    });
    expect(await body(planConsent({ provider: 'google', clientId: 'g' }))).toEqual({ client_id: 'g' });
  });

  it("reads the mailbox from the provider's claim: email for Google, preferred_username for Microsoft, either for custom", () => {
    const claims = { email: 'mail@x.test', preferred_username: 'upn@x.test' } as unknown as oauth.IDToken;
    expect(userFromClaims(planConsent({ provider: 'google', clientId: 'g' }), claims)).toBe('mail@x.test');
    expect(userFromClaims(planConsent({ provider: 'microsoft', clientId: 'm' }), claims)).toBe('upn@x.test');
    const custom = planConsent({
      provider: 'custom',
      clientId: 'c',
      authorizeUrl: 'https://i.example/a',
      tokenUrl: 'https://i.example/t',
      scopes: ['m'],
    });
    expect(userFromClaims(custom, { preferred_username: 'only@x.test' } as unknown as oauth.IDToken)).toBe(
      'only@x.test',
    );
    expect(userFromClaims(custom, undefined)).toBeUndefined();
  });
});
