import { createRoute } from '@hono/zod-openapi';
import { requireAdmin } from '../../admin-access.js';
import { limitBody } from '../../middleware/body-limit.js';
import {
  ADMIN_BODY_LIMIT_BYTES,
  accountDocumentBody,
  accountDocumentExamples,
  createdTokenSchema,
  createTokenBody,
  deleteAccountParams,
  putAccountParams,
  putAccountQuery,
  storedAccountSchema,
  tokenListSchema,
  tokenParams,
} from '../../schemas/admin.schema.js';
import {
  CREATED_TOKEN_EXAMPLE,
  STORED_ACCOUNT_EXAMPLE,
  TOKEN_LIST_EXAMPLE,
  TOKEN_REQUEST_EXAMPLE,
} from '../../schemas/examples.js';
import {
  bearerSecurity,
  commonErrors,
  jsonBodyErrors,
  problemResponse,
} from '../../schemas/problem.schema.js';

/**
 * The account API: what an `admin` token may call to onboard users without
 * a shell. Every route starts with `requireAdmin` (before its parameters or
 * body are read) and answers 501 on a server without write access to the
 * credential store (the mail API function on AWS: API Gateway sends these
 * routes to the admin function instead).
 */

const tags = ['Account API'];

const adminErrors = {
  401: commonErrors[401],
  403: problemResponse('The token is not an admin token (`forbidden`): read and write tokens are for mail.', {
    code: 'forbidden',
    detail:
      'The account API needs an admin token (mailgate token create --scope admin); read and write tokens are for mail.',
  }),
  500: commonErrors[500],
  501: problemResponse(
    'This server has no write access to the credential store (`unsupported_operation`); on AWS the account API is served by its own function.',
    {
      code: 'unsupported_operation',
      detail:
        'This server has no write access to the credential store, so it does not serve the account API.',
    },
  ),
  504: {
    ...commonErrors[504],
    description:
      'The credential store (or, with `verify=true`, the mail server) did not answer before the deadline.',
  },
} as const;

const limitAdminJson = limitBody(ADMIN_BODY_LIMIT_BYTES);
const adminOnly = requireAdmin();

export const putAccount = createRoute({
  method: 'put',
  path: '/v1/accounts/{account}',
  operationId: 'putAccount',
  tags,
  summary: 'Store an account (admin)',
  description:
    'Creates (201) or replaces (200) the account with this id. The body is the stored-account document: ' +
    'a `password`, or `oauth2` with a refresh token (the gateway keeps the access token fresh). The ' +
    'answer describes what was stored and never contains a secret. With `verify=true` the gateway ' +
    'logs in once first; a refused login answers 422 `verification_failed` quoting the server, and ' +
    'nothing is stored on any failure. Needs an `admin` token. On AWS a function that is already ' +
    'running may use the previous document for up to the secret cache time (default 300 s).',
  security: bearerSecurity,
  middleware: [adminOnly, limitAdminJson],
  request: {
    params: putAccountParams,
    query: putAccountQuery,
    body: {
      required: true,
      content: { 'application/json': { schema: accountDocumentBody, examples: accountDocumentExamples } },
    },
  },
  responses: {
    200: {
      description: 'Replaced the account of that id.',
      content: { 'application/json': { schema: storedAccountSchema, example: STORED_ACCOUNT_EXAMPLE } },
    },
    201: {
      description: 'Created the account.',
      content: { 'application/json': { schema: storedAccountSchema, example: STORED_ACCOUNT_EXAMPLE } },
    },
    400: problemResponse('The id or the document is invalid (`invalid_request`); nothing was stored.', {
      code: 'invalid_request',
      detail: "Invalid request: body field 'password': exactly one of password or oauth2 is required.",
    }),
    ...adminErrors,
    ...jsonBodyErrors,
    413: {
      ...jsonBodyErrors[413],
      description: 'The document is over 64 KiB (`payload_too_large`), the most one secret holds.',
    },
    422: problemResponse(
      '`verify=true` and the login was refused (`verification_failed`): the detail quotes the server’s answer (control characters and anything like a credential taken out). Nothing was stored.',
      {
        code: 'verification_failed',
        detail:
          'The mail server refused the login; nothing was stored. It answered: "[AUTHENTICATIONFAILED] Authentication failed."',
      },
    ),
    502: {
      ...commonErrors[502],
      description:
        '`verify=true`: the mail server could not be reached or failed (`upstream_unavailable`), or the OAuth2 provider failed (`oauth_provider_unavailable`). Nothing was stored.',
    },
    503: commonErrors[503],
    504: {
      ...commonErrors[504],
      description:
        '`verify=true`: the mail server (`upstream_timeout`) or the OAuth2 provider (`oauth_provider_timeout`) did not answer in time; or the credential store did not. Nothing was stored.',
    },
  },
});

export const deleteAccount = createRoute({
  method: 'delete',
  path: '/v1/accounts/{account}',
  operationId: 'deleteAccount',
  tags,
  summary: 'Remove an account (admin)',
  description:
    'Deletes the stored account. Tokens that grant it by id keep their grant (a new account of the ' +
    'same id would be theirs again): revoke them too when that is not wanted. Needs an `admin` token.',
  security: bearerSecurity,
  middleware: [adminOnly],
  request: { params: deleteAccountParams },
  responses: {
    204: { description: 'Removed.' },
    404: problemResponse('No account of that id (`account_not_found`).', {
      code: 'account_not_found',
      detail: 'No such account.',
    }),
    ...adminErrors,
  },
});

export const createToken = createRoute({
  method: 'post',
  path: '/v1/tokens',
  operationId: 'createToken',
  tags,
  summary: 'Mint a read or write token (admin)',
  description:
    'Creates a bearer token for some accounts (or `"*"`, every account) with scope `read` or `write`. ' +
    'The token is in this answer only; the store keeps its hash. Every account named must exist. ' +
    'Admin tokens cannot be minted here (400), so a leaked admin token cannot make itself ' +
    'another: they come from the CLI. Needs an `admin` token.',
  security: bearerSecurity,
  middleware: [adminOnly, limitAdminJson],
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: createTokenBody, example: TOKEN_REQUEST_EXAMPLE } },
    },
  },
  responses: {
    201: {
      description: 'The token, shown this once.',
      content: { 'application/json': { schema: createdTokenSchema, example: CREATED_TOKEN_EXAMPLE } },
    },
    400: problemResponse(
      'The body is invalid, names an account that does not exist, or asks for scope `admin` (`invalid_request`).',
      {
        code: 'invalid_request',
        detail: 'No such account: alcie. Store an account before granting it.',
      },
    ),
    ...adminErrors,
    ...jsonBodyErrors,
  },
});

export const listTokens = createRoute({
  method: 'get',
  path: '/v1/tokens',
  operationId: 'listTokens',
  tags,
  summary: 'List the tokens (admin)',
  description:
    'Every stored token, oldest first: id, scope, accounts, label and creation time; never the token ' +
    'or its hash. Needs an `admin` token.',
  security: bearerSecurity,
  middleware: [adminOnly],
  responses: {
    200: {
      description: 'The tokens.',
      content: { 'application/json': { schema: tokenListSchema, example: TOKEN_LIST_EXAMPLE } },
    },
    ...adminErrors,
  },
});

export const revokeToken = createRoute({
  method: 'delete',
  path: '/v1/tokens/{tokenId}',
  operationId: 'revokeToken',
  tags,
  summary: 'Revoke a token (admin)',
  description:
    'Deletes the token: it stops working at once on this server; on AWS a mail function that is ' +
    'already running may accept it for up to the secret cache time (default 300 s). An admin token ' +
    'may revoke any token, itself included. Needs an `admin` token.',
  security: bearerSecurity,
  middleware: [adminOnly],
  request: { params: tokenParams },
  responses: {
    204: { description: 'Revoked.' },
    404: problemResponse('No token of that id (`token_not_found`).', {
      code: 'token_not_found',
      detail: 'No such token.',
    }),
    ...adminErrors,
  },
});
