import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ZodError } from 'zod';
import { type ErrorCode, isMailgateError } from '../mail/errors.js';
import type { Logger } from '../mail/logger.js';

/** A tool's answer: the compact JSON as `structuredContent`, and a short rendering for a reader. */
export function toolResult(data: Record<string, unknown>, text: string): CallToolResult {
  return { structuredContent: data, content: [{ type: 'text', text }] };
}

/**
 * A failed call as an MCP tool error (`isError: true`): `structuredContent`
 * holds `{code, detail}` with the same stable code the HTTP API puts in
 * problem+json (lib/mail/errors.ts), the text says the same. A domain
 * error's detail is written to be shown; anything else is logged and
 * answered `internal_error` without its message, which could carry a secret.
 */
export function toolError(error: unknown, logger: Logger): CallToolResult {
  let code: ErrorCode;
  let detail: string;
  if (isMailgateError(error)) {
    code = error.code;
    detail = error.detail;
    if (code === 'internal_error') logger.error('tool call failed', { error });
  } else {
    code = 'internal_error';
    detail = 'An unexpected error occurred.';
    logger.error('tool call failed', { error });
  }
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
