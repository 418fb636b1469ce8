import { createRoute } from '@hono/zod-openapi';
import { listQuerySchema } from '../../list-query.js';
import { mailboxParams } from '../../schemas/mailbox.schema.js';
import {
  messagePageSchema,
  messageParams,
  messageQuery,
  messageSchema,
  nestedMessageParams,
} from '../../schemas/message.schema.js';
import {
  bearerSecurity,
  commonErrors,
  conflictError,
  messageTooLargeError,
  unsupportedError,
} from '../../schemas/problem.schema.js';
import { ACCOUNT_MESSAGE_PATH, aliasOf, NESTED_MESSAGE_PATH } from './nested-alias.js';

const tags = ['Messages'];

export const listMessages = createRoute({
  method: 'get' as const,
  path: '/v1/accounts/{account}/mailboxes/{mailbox}/messages',
  tags,
  summary: 'A page of message summaries, newest first unless `sort` says otherwise',
  description:
    'All filters combine with AND, and with `sort`. Besides the parameters below, any number of `header.NAME=value` ' +
    'parameters filter on a header field (an empty value matches messages that have the field). ' +
    'Filter values are at most 1,000 characters and may not contain CR, LF or NUL. ' +
    'Unknown parameters are refused. A POP3 account supports only the filters its capabilities list.',
  security: bearerSecurity,
  request: { params: mailboxParams, query: listQuerySchema },
  responses: {
    200: { description: 'One page.', content: { 'application/json': { schema: messagePageSchema } } },
    ...commonErrors,
    404: { ...commonErrors[404], description: 'No such account or mailbox.' },
    ...unsupportedError,
  },
});

const getMessageSpec = {
  method: 'get' as const,
  tags,
  summary: 'One message: summary, headers, bodies and attachment metadata',
  description:
    'Reading never sets `\\Seen` unless `markSeen=true`, which needs a write token. Attachments are ' +
    'described, not downloaded: follow each `downloadUrl`.',
  security: bearerSecurity,
  responses: {
    200: { description: 'The message.', content: { 'application/json': { schema: messageSchema } } },
    ...commonErrors,
    403: { ...commonErrors[403], description: '`markSeen=true` with a read-only token (`forbidden`).' },
    404: { ...commonErrors[404], description: 'No such account or message.' },
    ...conflictError,
    ...messageTooLargeError,
  },
};

export const getMessage = createRoute({
  ...getMessageSpec,
  path: ACCOUNT_MESSAGE_PATH,
  request: { params: messageParams, query: messageQuery },
});

export const getMessageInMailbox = createRoute({
  ...aliasOf(getMessageSpec, ACCOUNT_MESSAGE_PATH),
  path: NESTED_MESSAGE_PATH,
  request: { params: nestedMessageParams, query: messageQuery },
});
