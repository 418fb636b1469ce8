import {
  type MailgateError,
  OAuthProviderTimeoutError,
  OAuthProviderUnavailableError,
  UpstreamAuthError,
} from '../mail/errors.js';

/**
 * The cause a token endpoint failure carries to the logs: the error's name,
 * code and HTTP status only. Never the library error itself, whose cause
 * holds the answer's body (tokens on a half-valid answer, a free-text
 * description that may echo the request).
 */
export class TokenEndpointFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenEndpointFailure';
  }
}

/** The provider refused the refresh token itself (`invalid_grant`): only a new consent helps. */
export class RefreshTokenRefusedError extends UpstreamAuthError {
  constructor(accountId: string, options?: { cause?: unknown }) {
    super(
      `The OAuth2 provider refused the refresh token of account "${accountId}" (invalid_grant: revoked, ` +
        `expired or consent withdrawn). The account needs consent again: run \`mailgate account oauth ${accountId}\` ` +
        `or store a new refresh token with PUT /v1/accounts/${accountId}.`,
      options,
    );
    this.name = 'RefreshTokenRefusedError';
  }
}

/** RFC 6749 §5.2 error codes are a restricted ASCII set; anything else is not repeated. */
const SAFE_ERROR_CODE = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Codes some providers answer in a 4xx body for their own trouble, not the grant's. */
const TRANSIENT_ERROR_CODES = new Set(['server_error', 'temporarily_unavailable']);

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * The OAuth `error` code of a refusal: oauth4webapi's ResponseBodyError
 * (the JSON body's `error`) or WWWAuthenticateChallengeError (the
 * challenge's `error` parameter, e.g. a 401 for a wrong client secret).
 */
function oauthErrorCode(error: unknown): string | undefined {
  const code = field(error, 'code');
  if (code === 'OAUTH_RESPONSE_BODY_ERROR') {
    const value = field(error, 'error');
    return typeof value === 'string' ? value : undefined;
  }
  if (code === 'OAUTH_WWW_AUTHENTICATE_CHALLENGE') {
    const challenges = field(error, 'cause');
    if (!Array.isArray(challenges)) return 'invalid_client';
    for (const challenge of challenges) {
      const value = field(field(challenge, 'parameters'), 'error');
      if (typeof value === 'string') return value;
    }
    return 'invalid_client';
  }
  return undefined;
}

function httpStatus(error: unknown): number | undefined {
  const status = field(error, 'status') ?? field(field(error, 'cause'), 'status');
  return typeof status === 'number' ? status : undefined;
}

/** Name, code, HTTP status and (for errors whose message is fixed text) the message. */
function summarise(error: unknown): string {
  if (!(error instanceof Error)) return 'a non-error value was thrown';
  const parts = [error.name];
  const code = field(error, 'code');
  if (typeof code === 'string') parts.push(code);
  const status = httpStatus(error);
  if (status !== undefined) parts.push(`HTTP ${status}`);
  // oauth4webapi's messages and fetch's "fetch failed" are fixed text; its network cause has a code.
  if ((typeof code === 'string' && code.startsWith('OAUTH_')) || error.message === 'fetch failed') {
    parts.push(error.message);
  }
  const causeCode = field(error.cause, 'code');
  if (typeof causeCode === 'string' && SAFE_ERROR_CODE.test(causeCode)) parts.push(`(${causeCode})`);
  return parts.join(' ');
}

/**
 * Turns what a refresh threw into a domain error. Pure; the detail names
 * the OAuth error code but never its description.
 */
export function describeTokenEndpointFailure(
  error: unknown,
  context: { timedOut: boolean; timeoutMs: number; accountId: string },
): MailgateError {
  if (context.timedOut) {
    return new OAuthProviderTimeoutError(undefined, {
      cause: new TokenEndpointFailure(`no answer from the token endpoint within ${context.timeoutMs} ms`),
    });
  }
  const cause = new TokenEndpointFailure(summarise(error));
  const code = oauthErrorCode(error);
  if (code === undefined) return new OAuthProviderUnavailableError(undefined, { cause });
  if (code === 'invalid_grant') return new RefreshTokenRefusedError(context.accountId, { cause });
  if (TRANSIENT_ERROR_CODES.has(code)) return new OAuthProviderUnavailableError(undefined, { cause });
  const named = SAFE_ERROR_CODE.test(code) ? code : 'an unrecognised error';
  return new UpstreamAuthError(
    `The OAuth2 provider refused to refresh the access token of account "${context.accountId}" (${named}): ` +
      'check the client id and secret of the account or its OAuth app, and the provider settings.',
    { cause },
  );
}
