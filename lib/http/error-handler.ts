import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ErrorCode } from '../mail/errors.js';
import { AccountConfigurationError, isMailgateError, UpstreamThrottledError } from '../mail/errors.js';
import type { AllowedMethods } from './allowed-methods.js';
import type { AppEnv } from './app-env.js';
import { explainsDeadline } from './middleware/deadline.js';
import { problemResponse } from './problem.js';

const CODE_BY_HTTP_STATUS: Record<number, ErrorCode> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

const GENERIC_DETAIL = 'An unexpected error occurred. It has been logged with the request id.';

/**
 * The one error handler. Domain errors keep their (client-safe) detail;
 * framework HTTPExceptions keep their status as a code; everything else is
 * a 500 with a generic detail, and the cause goes to the log with the
 * request id only.
 */
export function createErrorHandler(): ErrorHandler<AppEnv> {
  return (error, c) => {
    const logger = c.get('logger');
    // The deadline already answered; whatever the abandoned handler throws later is noise.
    const signal = c.get('signal');
    const abandoned = signal?.aborted === true && signal.reason !== error && !explainsDeadline(error);

    if (isMailgateError(error)) {
      if (error.code === 'upstream_auth_failed') {
        // Drop the cached secret so a rotated password is used on the next request.
        const accountId = c.get('accountId');
        if (accountId) c.get('deps').credentials.invalidateAccount(accountId);
      }
      const headers: Record<string, string> = {};
      if (error instanceof UpstreamThrottledError) headers['Retry-After'] = String(error.retryAfter);
      // RFC 9110 §15.5.9: the rest of the body may still be on its way; do not read it as a next request.
      if (error.code === 'request_timeout') headers.Connection = 'close';
      if (error.code === 'internal_error') {
        logger?.error('request failed', { error, code: error.code });
        // An account the settings forbid says which setting: the operator can act on it.
        const detail = error instanceof AccountConfigurationError ? error.detail : GENERIC_DETAIL;
        return problemResponse(c, 'internal_error', detail);
      }
      const fields = { code: error.code, error: error.cause ?? error.name };
      const upstream = error.code.startsWith('upstream_') || error.code.startsWith('oauth_provider_');
      if (upstream && !abandoned) logger?.warn('upstream failure', fields);
      else logger?.debug('request refused', fields);
      return problemResponse(c, error.code, error.detail, headers);
    }

    if (error instanceof HTTPException && error.status < 500) {
      const code = CODE_BY_HTTP_STATUS[error.status] ?? 'invalid_request';
      return problemResponse(c, code, error.message || 'The request could not be processed.');
    }

    if (abandoned) logger?.debug('error after the request was answered', { error });
    else logger?.error('unhandled error', { error });
    return problemResponse(c, 'internal_error', GENERIC_DETAIL);
  };
}

/**
 * Unknown path → 404 `not_found` (a known path with a trailing slash too,
 * naming the path without it); known path with another method → 405 with `Allow`.
 */
export function createNotFoundHandler(allowedMethods: () => AllowedMethods): NotFoundHandler<AppEnv> {
  return (c: Context<AppEnv>) => {
    const allowed = allowedMethods()(c.req.path);
    if (allowed.length > 0) {
      return problemResponse(c, 'method_not_allowed', `${c.req.method} is not allowed on this path.`, {
        Allow: allowed.join(', '),
      });
    }
    let trimmed = c.req.path;
    while (trimmed.length > 1 && trimmed.endsWith('/')) trimmed = trimmed.slice(0, -1);
    if (trimmed !== c.req.path && allowedMethods()(trimmed).length > 0) {
      return problemResponse(c, 'not_found', "No such endpoint: paths do not end with '/'.");
    }
    return problemResponse(c, 'not_found', 'No such endpoint.');
  };
}
