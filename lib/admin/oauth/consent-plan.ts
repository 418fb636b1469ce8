import * as oauth from 'oauth4webapi';
import { isAllowedEndpointUrl } from '../../credentials/account.js';
import { cappedFetch } from '../../oauth2/capped-fetch.js';
import { MICROSOFT_DEFAULT_TENANT, type OAuthProviderName, presetFor } from '../../oauth2/providers.js';
import { UsageError } from '../usage-error.js';
import { withIssuerRule } from './issuer.js';

/** What the consent needs to know about the client and the provider, from flags or an OAuth app. */
export interface ConsentClient {
  provider: OAuthProviderName;
  tenant?: string;
  clientId: string;
  clientSecret?: string;
  authorizeUrl?: string;
  tokenUrl?: string;
  /** RFC 8628 device authorization endpoint (`custom` only; Microsoft's comes from its preset). */
  deviceUrl?: string;
  /** `custom` only: the `iss` of its answers and ID tokens (default: the authorize URL's origin). */
  issuer?: string;
  /** Replaces the preset's (or the app's) scopes. */
  scopes?: readonly string[];
}

/** Everything the flows use, resolved once. */
export interface ConsentPlan {
  provider: OAuthProviderName;
  tenant?: string;
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  clientAuth: oauth.ClientAuth;
  scopes: string[];
  /** Authorization request parameters the provider needs to issue a refresh token. */
  extraAuthorizeParams: Record<string, string>;
  /** The ID token claims that name the mailbox, in order of preference. */
  userClaims: readonly ('email' | 'preferred_username')[];
  /** The requested scope each protocol's server needs: a grant without it would be refused at login. */
  mailScopes: Partial<Record<'imap' | 'pop3', string>>;
}

/** Gmail's one scope for IMAP, POP3 and SMTP. */
const GMAIL_SCOPE = 'https://mail.google.com/';

const TENANT_PATTERN = /^[A-Za-z0-9.-]{1,128}$/;

function endpoint(name: string, url: string | undefined): string | undefined {
  if (url !== undefined && !isAllowedEndpointUrl(url)) {
    throw new UsageError(`${name} must be an https URL (http only on a loopback address)`);
  }
  return url;
}

/**
 * Resolves a client and provider into the endpoints, scopes and
 * authorization parameters of the consent. Google needs `access_type=offline`
 * and `prompt=consent`, or a second consent returns no refresh token;
 * Microsoft needs the `offline_access` scope (in its preset).
 * @throws UsageError for a missing or malformed endpoint, tenant or scope.
 */
export function planConsent(input: ConsentClient): ConsentPlan {
  const { provider } = input;
  if (input.tenant !== undefined && provider !== 'microsoft') {
    throw new UsageError('--tenant applies to --provider microsoft only');
  }
  const tenant = provider === 'microsoft' ? (input.tenant ?? MICROSOFT_DEFAULT_TENANT) : undefined;
  if (tenant !== undefined && !TENANT_PATTERN.test(tenant)) {
    throw new UsageError('--tenant must be a directory id, a domain, common, organizations or consumers');
  }
  const preset = presetFor(provider, tenant);
  if (preset !== undefined && (input.deviceUrl !== undefined || input.issuer !== undefined)) {
    throw new UsageError(`--device-url and --issuer apply to --provider custom only`);
  }
  const authorizeUrl = endpoint('--authorize-url', input.authorizeUrl) ?? preset?.authorizeUrl;
  const tokenUrl = endpoint('--token-url', input.tokenUrl) ?? preset?.tokenUrl;
  const deviceUrl = endpoint('--device-url', input.deviceUrl) ?? preset?.deviceAuthorizationUrl;
  if (authorizeUrl === undefined || tokenUrl === undefined) {
    throw new UsageError('--provider custom needs --authorize-url and --token-url');
  }
  const issuer = endpoint('--issuer', input.issuer) ?? preset?.issuer ?? new URL(authorizeUrl).origin;
  const scopes = [...(input.scopes ?? preset?.scopes ?? [])];
  if (scopes.length === 0) throw new UsageError('--provider custom needs --scope');
  if (scopes.some((scope) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope))) {
    throw new UsageError('--scope: scopes are printable ASCII without spaces, quotes or backslashes');
  }

  const as = withIssuerRule(
    {
      issuer,
      authorization_endpoint: authorizeUrl,
      token_endpoint: tokenUrl,
      ...(deviceUrl !== undefined ? { device_authorization_endpoint: deviceUrl } : {}),
    },
    provider,
    tenant,
  );
  const imapScope = scopes.find((scope) => scope === GMAIL_SCOPE || scope.endsWith('/IMAP.AccessAsUser.All'));
  const pop3Scope = scopes.find((scope) => scope === GMAIL_SCOPE || scope.endsWith('/POP.AccessAsUser.All'));
  return {
    provider,
    ...(tenant !== undefined ? { tenant } : {}),
    as,
    client: { client_id: input.clientId },
    clientAuth: input.clientSecret === undefined ? oauth.None() : oauth.ClientSecretPost(input.clientSecret),
    scopes,
    extraAuthorizeParams: provider === 'google' ? { access_type: 'offline', prompt: 'consent' } : {},
    userClaims: preset !== undefined ? [preset.userClaim] : ['email', 'preferred_username'],
    mailScopes: {
      ...(imapScope !== undefined ? { imap: imapScope } : {}),
      ...(pop3Scope !== undefined ? { pop3: pop3Scope } : {}),
    },
  };
}

/** The parts of an authorization request that change per attempt. */
export interface AuthorizationAttempt {
  redirectUri: string;
  state: string;
  codeChallenge: string;
  loginHint?: string;
}

/**
 * The URL the user opens: authorization code with PKCE S256 and state
 * (RFC 6749 §4.1.1, RFC 7636 §4.3), plus the provider's extra parameters.
 * Query parameters already in the authorize URL are kept.
 */
export function authorizationUrl(plan: ConsentPlan, attempt: AuthorizationAttempt): URL {
  const url = new URL(plan.as.authorization_endpoint as string);
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: plan.client.client_id,
    redirect_uri: attempt.redirectUri,
    scope: plan.scopes.join(' '),
    state: attempt.state,
    code_challenge: attempt.codeChallenge,
    code_challenge_method: 'S256',
    ...plan.extraAuthorizeParams,
    ...(attempt.loginHint !== undefined ? { login_hint: attempt.loginHint } : {}),
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url;
}

/** oauth4webapi refuses http endpoints unless told; only loopback ones pass planConsent. */
export function requestOptions(url: string | undefined, signal: AbortSignal) {
  return {
    signal,
    [oauth.allowInsecureRequests]: url?.startsWith('http:') === true,
    [oauth.customFetch]: cappedFetch(),
  };
}
