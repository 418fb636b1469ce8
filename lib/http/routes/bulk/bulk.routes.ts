import { createRoute } from '@hono/zod-openapi';
import { JSON_BODY_LIMIT_BYTES, limitBody } from '../../middleware/body-limit.js';
import { bulkBody, bulkResultSchema, MAX_BULK_IDS } from '../../schemas/bulk.schema.js';
import { BULK_REQUEST_EXAMPLE, BULK_RESULT_EXAMPLE } from '../../schemas/examples.js';
import { mailboxParams } from '../../schemas/mailbox.schema.js';
import {
  bearerSecurity,
  commonErrors,
  jsonBodyErrors,
  unsupportedError,
} from '../../schemas/problem.schema.js';

export const bulkMessages = createRoute({
  operationId: 'bulkMessages',
  method: 'post',
  path: '/v1/accounts/{account}/mailboxes/{mailbox}/messages/bulk',
  tags: ['Messages'],
  summary: 'One action on many messages',
  description:
    `Names the messages by \`ids\` (at most ${MAX_BULK_IDS}) or by \`filter\` (the list filters as ` +
    `JSON; more than ${MAX_BULK_IDS} matches is 400). The action runs as one command per action, not ` +
    'one per message. Partial success is reported, never hidden: `failed` lists every id not done ' +
    'with its error code. POP3 accounts have no bulk actions (501).',
  security: bearerSecurity,
  middleware: [limitBody(JSON_BODY_LIMIT_BYTES)] as const,
  request: {
    params: mailboxParams,
    body: {
      required: true,
      content: { 'application/json': { schema: bulkBody, example: BULK_REQUEST_EXAMPLE } },
    },
  },
  responses: {
    200: {
      description: 'What was done.',
      content: { 'application/json': { schema: bulkResultSchema, example: BULK_RESULT_EXAMPLE } },
    },
    ...commonErrors,
    403: { ...commonErrors[403], description: 'A read-only token (`forbidden`).' },
    404: { ...commonErrors[404], description: 'No such account, mailbox or destination.' },
    ...jsonBodyErrors,
    ...unsupportedError,
  },
});
