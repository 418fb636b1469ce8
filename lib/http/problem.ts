import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorCode } from '../mail/errors.js';

/** The single place where a domain error code becomes an HTTP status. */
const STATUS_BY_CODE: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  account_not_found: 404,
  mailbox_not_found: 404,
  message_not_found: 404,
  attachment_not_found: 404,
  thread_not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  mailbox_exists: 409,
  stale_message_id: 409,
  state_expired: 409,
  payload_too_large: 413,
  headers_too_large: 431,
  unsupported_media_type: 415,
  internal_error: 500,
  unsupported_operation: 501,
  upstream_auth_failed: 502,
  upstream_unavailable: 502,
  upstream_throttled: 503,
  upstream_timeout: 504,
  oauth_provider_unavailable: 502,
  oauth_provider_timeout: 504,
  verification_failed: 422,
  token_not_found: 404,
  webhook_not_found: 404,
  webhook_limit_reached: 409,
};

const TITLE_BY_STATUS: Partial<Record<ContentfulStatusCode, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Maps an API error code to its HTTP status. */
export function statusForCode(code: ErrorCode): ContentfulStatusCode {
  return STATUS_BY_CODE[code];
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
}

/**
 * Builds the RFC 9457 body. `type` is `about:blank` (RFC 9457 §4.2.1): the
 * title is then the status phrase and clients switch on `code`.
 */
export function buildProblem(code: ErrorCode, detail: string): Problem {
  const status = statusForCode(code);
  return { type: 'about:blank', title: TITLE_BY_STATUS[status] ?? 'Error', status, detail, code };
}

/**
 * Answers with problem+json through the context, so headers set earlier on
 * it (request id, WWW-Authenticate, Allow, Retry-After) are kept.
 */
export function problemResponse(
  c: Context,
  code: ErrorCode,
  detail: string,
  headers: Record<string, string> = {},
): Response {
  const problem = buildProblem(code, detail);
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  // Anything an earlier success path put on the context must not describe this body.
  c.header('Content-Disposition', undefined);
  c.header('Content-Length', undefined);
  c.header('Content-Type', PROBLEM_CONTENT_TYPE);
  return c.body(JSON.stringify(problem), problem.status as ContentfulStatusCode);
}
