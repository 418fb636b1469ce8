import { createRoute } from '@hono/zod-openapi';
import { JSON_BODY_LIMIT_BYTES, limitBody } from '../../middleware/body-limit.js';
import { accountParams } from '../../schemas/account.schema.js';
import { MAILBOX_EXAMPLE, MAILBOX_PATH_EXAMPLE } from '../../schemas/examples.js';
import { mailboxParams, mailboxSchema } from '../../schemas/mailbox.schema.js';
import {
  bearerSecurity,
  commonErrors,
  jsonBodyErrors,
  mailboxExistsError,
  unsupportedError,
} from '../../schemas/problem.schema.js';
import { mailboxPathBody } from '../../schemas/write.schema.js';

const tags = ['Mailboxes'];
const jsonBody = {
  required: true,
  content: { 'application/json': { schema: mailboxPathBody, example: MAILBOX_PATH_EXAMPLE } },
};
const limitJson = limitBody(JSON_BODY_LIMIT_BYTES);

const errors = {
  ...commonErrors,
  400: {
    ...commonErrors[400],
    description: 'Invalid request, or INBOX named for rename/delete (`invalid_request`).',
  },
  403: { ...commonErrors[403], description: 'A read-only token (`forbidden`).' },
  ...unsupportedError,
};

export const createMailbox = createRoute({
  operationId: 'createMailbox',
  method: 'post',
  path: '/v1/accounts/{account}/mailboxes',
  tags,
  summary: 'Create a mailbox',
  description:
    'Names may hold spaces, non-ASCII characters and the hierarchy delimiter (which creates the ' +
    'parents as needed). POP3 accounts have only INBOX (501).',
  security: bearerSecurity,
  middleware: [limitJson] as const,
  request: { params: accountParams, body: jsonBody },
  responses: {
    201: {
      description: 'Created.',
      headers: { Location: { description: 'The new mailbox.', schema: { type: 'string' as const } } },
      content: { 'application/json': { schema: mailboxSchema, example: MAILBOX_EXAMPLE } },
    },
    ...errors,
    ...mailboxExistsError,
    ...jsonBodyErrors,
  },
});

export const renameMailbox = createRoute({
  operationId: 'renameMailbox',
  method: 'patch',
  path: '/v1/accounts/{account}/mailboxes/{mailbox}',
  tags,
  summary: 'Rename a mailbox',
  description: 'Its children move with it. INBOX cannot be renamed (400).',
  security: bearerSecurity,
  middleware: [limitJson] as const,
  request: { params: mailboxParams, body: jsonBody },
  responses: {
    200: {
      description: 'The mailbox under its new path.',
      content: { 'application/json': { schema: mailboxSchema, example: MAILBOX_EXAMPLE } },
    },
    ...errors,
    404: { ...commonErrors[404], description: 'No such account or mailbox.' },
    ...mailboxExistsError,
    ...jsonBodyErrors,
  },
});

export const deleteMailbox = createRoute({
  operationId: 'deleteMailbox',
  method: 'delete',
  path: '/v1/accounts/{account}/mailboxes/{mailbox}',
  tags,
  summary: 'Delete a mailbox and the messages in it',
  description: 'INBOX cannot be deleted (400).',
  security: bearerSecurity,
  request: { params: mailboxParams },
  responses: {
    204: { description: 'Deleted.' },
    ...errors,
    404: { ...commonErrors[404], description: 'No such account or mailbox.' },
  },
});
