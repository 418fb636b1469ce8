import { createRoute } from '@hono/zod-openapi';
import { THREAD_DETAIL_EXAMPLE, THREAD_PAGE_EXAMPLE } from '../../schemas/examples.js';
import { mailboxParams } from '../../schemas/mailbox.schema.js';
import { bearerSecurity, commonErrors, unsupportedError } from '../../schemas/problem.schema.js';
import {
  DEFAULT_THREAD_PAGE,
  threadDetailSchema,
  threadListQuery,
  threadPageSchema,
  threadParams,
} from './threads.schema.js';

const tags = ['Threads'];

const HOW =
  'IMAP servers with THREAD (RFC 5256; REFS, else REFERENCES) group the whole mailbox; others are grouped ' +
  "by the gateway from the newest 500 messages' Message-ID, In-Reply-To and References, and the answer " +
  'says `partial: true` when the mailbox holds more. POP3 accounts: 501 `unsupported_operation`.';

export const listThreads = createRoute({
  operationId: 'listThreads',
  method: 'get',
  path: '/v1/accounts/{account}/mailboxes/{mailbox}/threads',
  tags,
  summary: 'A page of conversations, newest first',
  description:
    `Threads ordered by their latest message's arrival, newest first, \`limit\` (default ${DEFAULT_THREAD_PAGE}) ` +
    'a page; follow `nextCursor` for older threads. A thread that gets a reply between pages moves to the top ' +
    `and is not repeated on later pages. ${HOW} Unknown parameters are refused.`,
  security: bearerSecurity,
  request: { params: mailboxParams, query: threadListQuery },
  responses: {
    200: {
      description: 'One page.',
      content: { 'application/json': { schema: threadPageSchema, example: THREAD_PAGE_EXAMPLE } },
    },
    ...commonErrors,
    404: { ...commonErrors[404], description: 'No such account or mailbox.' },
    ...unsupportedError,
  },
});

export const getThread = createRoute({
  operationId: 'getThread',
  method: 'get',
  path: '/v1/accounts/{account}/mailboxes/{mailbox}/threads/{threadId}',
  tags,
  summary: "One conversation's message summaries",
  description: `The summaries of the thread's messages, oldest first (its newest 500). ${HOW}`,
  security: bearerSecurity,
  request: { params: threadParams },
  responses: {
    200: {
      description: 'The thread.',
      content: { 'application/json': { schema: threadDetailSchema, example: THREAD_DETAIL_EXAMPLE } },
    },
    ...commonErrors,
    404: {
      ...commonErrors[404],
      description:
        "No such account or mailbox, or no such thread (`thread_not_found`: unknown, another mailbox's, or " +
        'its first message is gone).',
    },
    ...unsupportedError,
  },
});
