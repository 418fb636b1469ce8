import type { OAuth2Credentials, OAuthApp } from '../credentials/account.js';

export type OAuthProviderName = 'google' | 'microsoft' | 'custom';

/** What a provider preset fixes: its endpoints, the mail scopes, and its mail servers. */
export interface ProviderPreset {
  /** The issuer identifier (ID token `iss`); Microsoft's depends on the tenant. */
  issuer: string;
  authorizeUrl: string;
  tokenUrl: string;
  /** RFC 8628 device authorization endpoint, where the provider allows the mail scopes in that flow. */
  deviceAuthorizationUrl?: string;
  /** Scopes asked for at consent: IMAP and POP3 access plus what yields a refresh token and the user's address. */
  scopes: readonly string[];
  /** The ID token claim that holds the mailbox address. */
  userClaim: 'email' | 'preferred_username';
  imap: { host: string; port: number };
  pop3: { host: string; port: number };
}

/** Microsoft's tenant-independent names; a tenant id (GUID) or a verified domain also works. */
export const MICROSOFT_DEFAULT_TENANT = 'common';

export function googlePreset(): ProviderPreset {
  return {
    issuer: 'https://accounts.google.com',
    authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    // Google's device flow does not allow the mail scope: consent needs the browser (or pasting the redirect).
    scopes: ['https://mail.google.com/', 'openid', 'email'],
    userClaim: 'email',
    imap: { host: 'imap.gmail.com', port: 993 },
    pop3: { host: 'pop.gmail.com', port: 995 },
  };
}

export function microsoftPreset(tenant: string = MICROSOFT_DEFAULT_TENANT): ProviderPreset {
  const base = `https://login.microsoftonline.com/${encodeURIComponent(tenant)}`;
  return {
    issuer: `${base}/v2.0`,
    authorizeUrl: `${base}/oauth2/v2.0/authorize`,
    tokenUrl: `${base}/oauth2/v2.0/token`,
    deviceAuthorizationUrl: `${base}/oauth2/v2.0/devicecode`,
    scopes: [
      'https://outlook.office.com/IMAP.AccessAsUser.All',
      'https://outlook.office.com/POP.AccessAsUser.All',
      'offline_access',
      'openid',
      'email',
    ],
    userClaim: 'preferred_username',
    imap: { host: 'outlook.office365.com', port: 993 },
    pop3: { host: 'outlook.office365.com', port: 995 },
  };
}

/** The preset of a named provider; `custom` has none. */
export function presetFor(provider: OAuthProviderName, tenant?: string): ProviderPreset | undefined {
  if (provider === 'google') return googlePreset();
  if (provider === 'microsoft') return microsoftPreset(tenant);
  return undefined;
}

/**
 * Everything needed to refresh an account's token: the client (the account's
 * own, or its OAuth app's, never a mix) over the provider preset.
 */
export interface ResolvedOAuthClient {
  provider: OAuthProviderName;
  tenant?: string;
  clientId: string;
  clientSecret?: string;
  tokenUrl: string;
  scopes?: readonly string[];
}

/**
 * The client an account refreshes with. An account naming an app takes the
 * whole client from that app: provider, tenant, client id, client secret
 * and token endpoint come from one place, so a client secret only ever goes
 * to the endpoint, and with the client id, it was registered with (the
 * account schema refuses those fields next to `app`; should such a document
 * arrive anyway, its own are ignored). Only the scopes may be the account's.
 * Returns undefined when the account cannot be refreshed: no refresh token,
 * an app it names but that was not given, or no client id or token endpoint.
 */
export function resolveOAuthClient(
  credentials: OAuth2Credentials,
  app: OAuthApp | undefined,
): ResolvedOAuthClient | undefined {
  if (credentials.refreshToken === undefined) return undefined;
  const source = credentials.app === undefined ? credentials : app;
  if (source === undefined) return undefined;
  const { provider, clientId, tenant, clientSecret } = source;
  if (provider === undefined || clientId === undefined) return undefined;
  const tokenUrl = source.tokenUrl ?? presetFor(provider, tenant)?.tokenUrl;
  if (tokenUrl === undefined) return undefined;
  const scopes = credentials.scopes ?? (credentials.app === undefined ? undefined : app?.scopes);
  return {
    provider,
    clientId,
    tokenUrl,
    ...(tenant !== undefined ? { tenant } : {}),
    ...(clientSecret !== undefined ? { clientSecret } : {}),
    ...(scopes !== undefined ? { scopes } : {}),
  };
}
