import { createRoute } from '@hono/zod-openapi';
import {
  accountListSchema,
  accountParams,
  accountQuery,
  accountSchema,
} from '../../schemas/account.schema.js';
import { ACCOUNT_EXAMPLE, ACCOUNT_LIST_EXAMPLE } from '../../schemas/examples.js';
import { bearerSecurity, commonErrors } from '../../schemas/problem.schema.js';

const tags = ['Accounts'];

export const listAccounts = createRoute({
  operationId: 'listAccounts',
  method: 'get',
  path: '/v1/accounts',
  tags,
  summary: 'Accounts this token grants',
  description:
    'A stored account whose document is malformed is left out (and logged for the operator) rather ' +
    'than failing the list; reading that account itself answers 500 `internal_error`. An `admin` ' +
    'token sees every account.',
  security: bearerSecurity,
  responses: {
    200: {
      description: 'The granted accounts.',
      content: { 'application/json': { schema: accountListSchema, example: ACCOUNT_LIST_EXAMPLE } },
    },
    401: commonErrors[401],
    500: commonErrors[500],
    504: commonErrors[504],
  },
});

export const getAccount = createRoute({
  operationId: 'getAccount',
  method: 'get',
  path: '/v1/accounts/{account}',
  tags,
  summary: 'One account and its capabilities',
  description:
    'Capabilities are known without connecting. With `probe=true` the gateway connects, adds the ' +
    "server's own capability list and makes `changes`/`wait` exact for that server. An `admin` token " +
    'may read an account without `probe`; a probe logs in to the mail server, which needs a read or ' +
    'write token (403 otherwise).',
  security: bearerSecurity,
  request: { params: accountParams, query: accountQuery },
  responses: {
    200: {
      description: 'The account.',
      content: { 'application/json': { schema: accountSchema, example: ACCOUNT_EXAMPLE } },
    },
    ...commonErrors,
  },
});
