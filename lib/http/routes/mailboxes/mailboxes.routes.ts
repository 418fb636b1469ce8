import { createRoute } from '@hono/zod-openapi';
import { accountParams } from '../../schemas/account.schema.js';
import { MAILBOX_LIST_EXAMPLE, MAILBOX_STATUS_EXAMPLE } from '../../schemas/examples.js';
import {
  mailboxListQuery,
  mailboxListSchema,
  mailboxParams,
  mailboxStatusSchema,
} from '../../schemas/mailbox.schema.js';
import { bearerSecurity, commonErrors } from '../../schemas/problem.schema.js';

const tags = ['Mailboxes'];

export const listMailboxes = createRoute({
  operationId: 'listMailboxes',
  method: 'get',
  path: '/v1/accounts/{account}/mailboxes',
  tags,
  summary: 'All mailboxes, as a flat list',
  description:
    'Every mailbox of the account with its path, parent, hierarchy delimiter and role (`inbox`, `sent`, ' +
    '`trash`, …, from SPECIAL-USE or the usual names). A POP3 account has one mailbox, INBOX.',
  security: bearerSecurity,
  request: { params: accountParams, query: mailboxListQuery },
  responses: {
    200: {
      description: 'The mailboxes.',
      content: { 'application/json': { schema: mailboxListSchema, example: MAILBOX_LIST_EXAMPLE } },
    },
    ...commonErrors,
  },
});

export const getMailbox = createRoute({
  operationId: 'getMailbox',
  method: 'get',
  path: '/v1/accounts/{account}/mailboxes/{mailbox}',
  tags,
  summary: "A mailbox's status",
  description: 'Counts and `state`, the token for `changes` and `wait`.',
  security: bearerSecurity,
  request: { params: mailboxParams },
  responses: {
    200: {
      description: 'The status.',
      content: { 'application/json': { schema: mailboxStatusSchema, example: MAILBOX_STATUS_EXAMPLE } },
    },
    ...commonErrors,
    404: {
      ...commonErrors[404],
      description: 'No such account (`account_not_found`) or mailbox (`mailbox_not_found`).',
    },
  },
});
