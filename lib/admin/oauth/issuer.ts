import * as oauth from 'oauth4webapi';
import type { OAuthProviderName } from '../../oauth2/providers.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The directory every personal Microsoft account signs in to (`tid` of their ID tokens). */
export const MICROSOFT_CONSUMERS_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

const microsoftIssuer = (tenantId: string) => `https://login.microsoftonline.com/${tenantId}/v2.0`;

/** Returned when no issuer is acceptable: no real `iss` equals it, so oauth4webapi refuses the ID token. */
const NO_ACCEPTABLE_ISSUER = 'urn:mailgate:no-acceptable-issuer';

/**
 * The `iss` a Microsoft ID token must carry. Only a directory id (GUID)
 * fixes it in advance. Signing in through `common`, `organizations`,
 * `consumers` or a domain name, the token names the user's real directory
 * in `tid` and its `iss` is that directory's issuer, never the
 * `…/common/v2.0` the endpoints were built from; the issuer is then derived
 * from `tid`, which must be a directory id the tenant admits (`consumers`
 * only the personal-account directory, `organizations` any other).
 * @returns undefined when the claims cannot come from the tenant.
 */
export function expectedMicrosoftIssuer(tenant: string, claims: { tid?: unknown }): string | undefined {
  if (GUID.test(tenant)) return microsoftIssuer(tenant.toLowerCase());
  const tid = typeof claims.tid === 'string' && GUID.test(claims.tid) ? claims.tid.toLowerCase() : undefined;
  if (tid === undefined) return undefined;
  const personal = tid === MICROSOFT_CONSUMERS_TENANT_ID;
  if (tenant.toLowerCase() === 'consumers' && !personal) return undefined;
  if (tenant.toLowerCase() === 'organizations' && personal) return undefined;
  return microsoftIssuer(tid);
}

/**
 * Google documents both `https://accounts.google.com` and
 * `accounts.google.com` as the `iss` of its ID tokens; anything else is refused.
 */
export function expectedGoogleIssuer(claims: { iss?: unknown }): string {
  return claims.iss === 'accounts.google.com' ? 'accounts.google.com' : 'https://accounts.google.com';
}

/**
 * oauth4webapi compares an ID token's `iss` with `as.issuer`, or with what
 * the function under this symbol returns for the token's claims. It is
 * exported by its JavaScript but not typed: openid-client, by the same
 * author, relies on it for Microsoft's multi-tenant issuer.
 */
const expectedIssuerSymbol = (oauth as unknown as { _expectedIssuer?: symbol })._expectedIssuer;

type ExpectedIssuer = (result: { claims: Record<string, unknown> }) => string;

/**
 * The authorization server description oauth4webapi validates ID tokens
 * against, with the provider's issuer rule attached.
 * @throws Error when the installed oauth4webapi no longer offers the issuer hook (Microsoft and Google need it).
 */
export function withIssuerRule(
  as: oauth.AuthorizationServer,
  provider: OAuthProviderName,
  tenant: string | undefined,
): oauth.AuthorizationServer {
  let rule: ExpectedIssuer | undefined;
  if (provider === 'microsoft' && tenant !== undefined) {
    rule = ({ claims }) => expectedMicrosoftIssuer(tenant, claims) ?? NO_ACCEPTABLE_ISSUER;
  } else if (provider === 'google') {
    rule = ({ claims }) => expectedGoogleIssuer(claims);
  }
  if (rule === undefined) return as;
  if (typeof expectedIssuerSymbol !== 'symbol') {
    throw new Error('oauth4webapi no longer exports _expectedIssuer: the ID token issuer cannot be checked');
  }
  return { ...as, [expectedIssuerSymbol]: rule };
}

/**
 * Microsoft sends no `iss` with its authorization response today; should it
 * (RFC 9207), a multi-tenant sign-in would name the user's directory there
 * too. That value is accepted when it is a Microsoft directory issuer;
 * everything else is compared with `as.issuer` by oauth4webapi.
 */
export function callbackIssuer(
  as: oauth.AuthorizationServer,
  provider: OAuthProviderName,
  tenant: string | undefined,
  iss: string | null,
): oauth.AuthorizationServer {
  if (provider !== 'microsoft' || tenant === undefined || GUID.test(tenant) || iss === null) return as;
  const match = /^https:\/\/login\.microsoftonline\.com\/([^/]+)\/v2\.0$/.exec(iss);
  return match?.[1] !== undefined && expectedMicrosoftIssuer(tenant, { tid: match[1] }) === iss
    ? { ...as, issuer: iss }
    : as;
}
