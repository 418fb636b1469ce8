import { z } from '@hono/zod-openapi';
import type { ErrorCode } from '../../mail/errors.js';
import { buildProblem, PROBLEM_CONTENT_TYPE } from '../problem.js';

const ERROR_CODES = [
  'invalid_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'account_not_found',
  'mailbox_not_found',
  'message_not_found',
  'attachment_not_found',
  'thread_not_found',
  'method_not_allowed',
  'request_timeout',
  'mailbox_exists',
  'stale_message_id',
  'state_expired',
  'payload_too_large',
  'headers_too_large',
  'unsupported_media_type',
  'unsupported_operation',
  'upstream_auth_failed',
  'upstream_unavailable',
  'upstream_throttled',
  'upstream_timeout',
  'oauth_provider_unavailable',
  'oauth_provider_timeout',
  'verification_failed',
  'token_not_found',
  'webhook_not_found',
  'webhook_limit_reached',
  'internal_error',
] as const satisfies readonly ErrorCode[];

type UndocumentedCode = Exclude<ErrorCode, (typeof ERROR_CODES)[number]>;
/** Compiles only while the documented enum lists every code a problem can carry. */
export const EVERY_CODE_DOCUMENTED: [UndocumentedCode] extends [never] ? true : UndocumentedCode = true;

export const problemSchema = z
  .object({
    type: z.string().openapi({ example: 'about:blank' }),
    title: z.string().openapi({ example: 'Not Found' }),
    status: z.number().int().openapi({ example: 404 }),
    detail: z.string().openapi({ example: 'No such account.' }),
    code: z.enum(ERROR_CODES).openapi({
      description:
        'Stable machine-readable error code. Three codes say how long something took, and whose fault it ' +
        'was: `request_timeout` (408) the client did not send its whole body before the request deadline; ' +
        '`upstream_throttled` (503, with `Retry-After`) the mail server asked us to back off, or every ' +
        "connection to the account's server stayed busy with other requests until the deadline; " +
        '`upstream_timeout` (504) the mail server itself did not answer in time. `headers_too_large` (431) ' +
        'comes from the server before any route: the request headers were over 16 KiB. For OAuth2 accounts, ' +
        '`oauth_provider_unavailable` (502) the identity provider failed while the access token was refreshed ' +
        'and `oauth_provider_timeout` (504) it did not answer in time (a refresh token the provider refused is ' +
        '`upstream_auth_failed`: the account needs consent again). The account API adds ' +
        '`verification_failed` (422) and `token_not_found` (404); the webhook routes `webhook_not_found` (404) ' +
        'and `webhook_limit_reached` (409); the thread routes `thread_not_found` (404).',
    }),
  })
  .openapi('Problem', { description: 'An RFC 9457 problem document.' });

/**
 * One documented error answer, the only way routes describe one: problem+json
 * whose schema is the shared `Problem` component (a `$ref` in the document),
 * with, when given, an example body built exactly as the server builds it
 * (status and title follow from the code).
 */
export function problemResponse(description: string, example?: { code: ErrorCode; detail: string }) {
  return {
    description,
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: problemSchema,
        ...(example === undefined ? {} : { example: buildProblem(example.code, example.detail) }),
      },
    },
  };
}

const problem = problemResponse;

/** Error responses every authenticated route can give. */
export const commonErrors = {
  400: problem('Invalid request (`invalid_request`).'),
  401: problem('Missing or invalid bearer token (`unauthorized`); carries `WWW-Authenticate: Bearer`.'),
  403: problem('The token may not do this (`forbidden`).'),
  404: problem('No such account (`account_not_found`) or resource.'),
  500: problem('Unexpected failure (`internal_error`), logged with the request id.'),
  502: problem(
    'The mail server refused the credentials or failed (`upstream_*`), or the OAuth2 provider failed while the access token was refreshed (`oauth_provider_unavailable`).',
  ),
  503: problem(
    "The mail server asked us to back off, or every connection to the account's server was busy until the deadline (`upstream_throttled`); carries `Retry-After`.",
  ),
  504: problem(
    'The mail server (`upstream_timeout`) or the OAuth2 provider (`oauth_provider_timeout`) did not answer before the deadline.',
  ),
} as const;

/** For routes whose store may lack a capability (POP3 filters, …). */
export const unsupportedError = {
  501: problem("Not supported by this account's protocol or server (`unsupported_operation`)."),
} as const;

/** For answers built from a whole message: a POP3 message too large to read whole (DECISIONS.md D17). */
export const messageTooLargeError = {
  413: problem(
    'A POP3 message over 32 MiB is not read whole for this answer (`payload_too_large`); its raw download streams at any size.',
  ),
} as const;

export const conflictError = {
  409: problem('The message id is stale (`stale_message_id`).'),
} as const;

export const bearerSecurity = [{ bearer: [] }];

/** For the message-changing routes, where a stale id is refused before anything changes. */
export const staleIdError = {
  409: problem('The message id is stale (`stale_message_id`); nothing was changed.'),
} as const;

export const mailboxExistsError = {
  409: problem('A mailbox with that path already exists (`mailbox_exists`).'),
} as const;

export const stateExpiredError = {
  409: problem('Changes since that state cannot be computed (`state_expired`): list the mailbox again.'),
} as const;

/** For routes with a request body: a client that stops sending it is not a slow mail server. */
const bodyTimeoutError = {
  408: problem('The body did not arrive before the request deadline (`request_timeout`).'),
} as const;

export const uploadErrors = {
  ...bodyTimeoutError,
  413: problem('The body is larger than the configured limit (`payload_too_large`).'),
  415: problem('The body is neither `message/rfc822` nor JSON (`unsupported_media_type`).'),
} as const;

export const jsonBodyErrors = {
  ...bodyTimeoutError,
  413: problem('The body is larger than the limit (`payload_too_large`).'),
  415: problem('The body is not JSON (`unsupported_media_type`).'),
} as const;
