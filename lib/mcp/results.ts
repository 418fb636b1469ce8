import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ZodError } from 'zod';
import { AccountConfigurationError, type ErrorCode, isMailgateError } from '../mail/errors.js';
import type { Logger } from '../mail/logger.js';

/** A tool's answer: the compact JSON as `structuredContent`, and a short rendering for a reader. */
export function toolResult(data: Record<string, unknown>, text: string): CallToolResult {
  return { structuredContent: data, content: [{ type: 'text', text }] };
}

/** What an `internal_error` says instead of its own detail, as the HTTP API's error handler answers it. */
export const GENERIC_DETAIL = 'An unexpected error occurred. It has been logged with the request id.';

/**
 * The code and the detail a client may be shown for `error`, by the rule of
 * lib/http's error handler: a domain error keeps its detail, written to be
 * shown, except an `internal_error`, whose detail may name a file, a table or
 * a setting (a broken accounts file's path): it is replaced by a generic
 * text, and `internal` says the real error must be logged. An account the
 * settings forbid (AccountConfigurationError) keeps its detail, which says
 * which setting: the operator can act on it. Anything else is an
 * `internal_error` too.
 */
export function publicError(error: unknown): { code: ErrorCode; detail: string; internal: boolean } {
  if (!isMailgateError(error)) return { code: 'internal_error', detail: GENERIC_DETAIL, internal: true };
  if (error.code !== 'internal_error') return { code: error.code, detail: error.detail, internal: false };
  const detail = error instanceof AccountConfigurationError ? error.detail : GENERIC_DETAIL;
  return { code: 'internal_error', detail, internal: true };
}

/**
 * A failed call as an MCP tool error (`isError: true`): `structuredContent`
 * holds `{code, detail}` with the same stable code the HTTP API puts in
 * problem+json (lib/mail/errors.ts), the text says the same. What the client
 * sees is `publicError`'s; an internal error is logged in full.
 */
export function toolError(error: unknown, logger: Logger): CallToolResult {
  const { code, detail, internal } = publicError(error);
  if (internal) logger.error('tool call failed', { error, code });
  return {
    isError: true,
    structuredContent: { code, detail },
    content: [{ type: 'text', text: `${code}: ${detail}` }],
  };
}

/** A zod failure of the route schema as the HTTP API words it: `field: message; …`. */
export function describeIssues(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}
