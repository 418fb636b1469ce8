import { isAllowedEndpointUrl } from '../credentials/account.js';
import { AccountConfigurationError } from '../mail/errors.js';
import { cappedFetch } from './capped-fetch.js';
import { presetFor, type ResolvedOAuthClient } from './providers.js';
import { describeTokenEndpointFailure } from './token-errors.js';

/** What a refresh answered, reduced to what the gateway keeps. */
export interface RefreshAnswer {
  accessToken: string;
  /** `expires_in` (RFC 6749 §5.1), when the provider sent it. */
  expiresInSeconds?: number;
  /** A new refresh token, when the provider sent one (rotation). */
  refreshToken?: string;
}

export interface RefreshOptions {
  accountId: string;
  /** The whole exchange (connect, answer, body) must end within this long. */
  timeoutMs: number;
  /** Whether a plain http token endpoint (loopback only, as the account schema allows) may be asked. */
  allowLoopbackHttp: boolean;
}

/** The setting that lets a token endpoint be plain http on a loopback address. */
export const LOOPBACK_HTTP_SETTING = 'MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP';

/**
 * Microsoft's v2.0 endpoint documents `scope` as required on a refresh, and
 * the scopes of its preset all belong to one resource (outlook.office.com),
 * so asking for them again is what consent granted. Others get the scopes
 * the account or its app lists, else none (RFC 6749 §6: omitted means as
 * granted).
 */
function refreshScopes(client: ResolvedOAuthClient): readonly string[] | undefined {
  if (client.scopes !== undefined) return client.scopes;
  return client.provider === 'microsoft' ? presetFor('microsoft', client.tenant)?.scopes : undefined;
}

/**
 * An ID token in a refresh answer is of no use here, and oauth4webapi would
 * check its `iss` against one fixed issuer: Microsoft's `common` tenant
 * issues ID tokens naming the user's own tenant, so a valid refresh would
 * fail. It is dropped before the answer is processed.
 */
async function withoutIdToken(response: Response): Promise<Response> {
  if (response.status !== 200) return response;
  let body: unknown;
  try {
    body = await response.clone().json();
  } catch {
    return response; // oauth4webapi reports the unreadable body
  }
  if (typeof body !== 'object' || body === null || !('id_token' in body)) return response;
  const { id_token: _dropped, ...rest } = body as Record<string, unknown>;
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  await response.body?.cancel();
  return new Response(JSON.stringify(rest), { status: 200, headers });
}

/**
 * One refresh_token grant (RFC 6749 §6) at the client's token endpoint, with
 * oauth4webapi over the platform fetch, loaded on first use so that a cold
 * start which never refreshes does not evaluate it.
 * @throws AccountConfigurationError, before anything is sent, for a plain
 *   http endpoint unless `allowLoopbackHttp` (on Lambda 127.0.0.1:9001 is
 *   the Runtime API; locally other services listen on loopback: an account
 *   document must not aim a POST carrying the client secret at them);
 *   UpstreamAuthError when the provider refused the grant or the client
 *   (the detail names the OAuth error code, never its description);
 *   OAuthProviderUnavailableError (5xx, network, unreadable answer);
 *   OAuthProviderTimeoutError (no answer within `timeoutMs`).
 */
export async function requestRefresh(
  client: ResolvedOAuthClient,
  refreshToken: string,
  options: RefreshOptions,
): Promise<RefreshAnswer> {
  const url = new URL(client.tokenUrl);
  if (url.protocol !== 'https:' && !(options.allowLoopbackHttp && isAllowedEndpointUrl(url.href))) {
    throw new AccountConfigurationError(
      `account "${options.accountId}": its OAuth2 token endpoint is plain http, which this gateway refuses ` +
        `unless ${LOOPBACK_HTTP_SETTING}=true (tests and local identity providers only); ` +
        'store an https token URL for the account or its OAuth app.',
    );
  }
  const oauth = await import('oauth4webapi');
  const as: import('oauth4webapi').AuthorizationServer = {
    issuer: presetFor(client.provider, client.tenant)?.issuer ?? url.origin,
    token_endpoint: url.href,
  };
  const oauthClient: import('oauth4webapi').Client = { client_id: client.clientId };
  const authentication =
    client.clientSecret === undefined ? oauth.None() : oauth.ClientSecretPost(client.clientSecret);
  const scopes = refreshScopes(client);
  // Ends the connect, the wait for the answer and the body read alike.
  const timeout = AbortSignal.timeout(options.timeoutMs);
  let result: Awaited<ReturnType<typeof oauth.processRefreshTokenResponse>>;
  try {
    const response = await oauth.refreshTokenGrantRequest(as, oauthClient, authentication, refreshToken, {
      signal: timeout,
      [oauth.customFetch]: cappedFetch(),
      ...(scopes !== undefined ? { additionalParameters: { scope: scopes.join(' ') } } : {}),
      // Plain http got here only on loopback with MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP (checked above).
      [oauth.allowInsecureRequests]: url.protocol === 'http:',
    });
    result = await oauth.processRefreshTokenResponse(as, oauthClient, await withoutIdToken(response));
  } catch (error) {
    throw describeTokenEndpointFailure(error, {
      timedOut: timeout.aborted,
      timeoutMs: options.timeoutMs,
      accountId: options.accountId,
    });
  }
  return {
    accessToken: result.access_token,
    ...(result.expires_in !== undefined ? { expiresInSeconds: result.expires_in } : {}),
    ...(result.refresh_token !== undefined ? { refreshToken: result.refresh_token } : {}),
  };
}
