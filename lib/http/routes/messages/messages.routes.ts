import { createRoute, z } from '@hono/zod-openapi';
import { listQuerySchema } from '../../list-query.js';
import { MESSAGE_EXAMPLE, MESSAGE_PAGE_EXAMPLE } from '../../schemas/examples.js';
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
  operationId: 'listMessages',
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
    200: {
      description:
        'One page. With `fields`, each summary holds only those fields: `?fields=subject,from,seen,preview` gives ' +
        '`{"messages": [{"id": "iAQAAAABAAAAKklOQk9Y", "subject": "Quarterly figures", "from": {"name": "Bob", ' +
        '"address": "bob@example.com"}, "seen": false, "preview": "The figures are in."}], "nextCursor": null, ' +
        '"total": 1}`.',
      content: {
        'application/json': {
          schema: messagePageSchema,
          examples: {
            page: { summary: 'A page', value: MESSAGE_PAGE_EXAMPLE },
            fields: {
              summary: '`?fields=subject,from,seen,preview`',
              value: {
                messages: [
                  {
                    id: 'iAQAAAABAAAAKklOQk9Y',
                    subject: 'Quarterly figures',
                    from: { name: 'Bob', address: 'bob@example.com' },
                    seen: false,
                    preview: 'The figures are in.',
                  },
                ],
                nextCursor: null,
                total: 1,
              },
            },
          },
        },
      },
    },
    ...commonErrors,
    404: { ...commonErrors[404], description: 'No such account or mailbox.' },
    ...unsupportedError,
  },
});

/** If-None-Match on a message read. */
const conditionalRead = z.object({
  'if-none-match': z
    .string()
    .optional()
    .openapi({
      description:
        'The `ETag` of an earlier answer to the same query (or a list of tags, or `*`; `W/` is ignored, ' +
        'RFC 9110 §13.1.2). 304 when it still holds: see Caching above.',
      example: 'W/"p1mQk0tqXzOq1w2cYcdcJ8m0FEa5Hs0"',
    }),
});

const getMessageSpec = {
  method: 'get' as const,
  tags,
  summary: 'One message: summary, headers, bodies and attachment metadata',
  description:
    'Reading never sets `\\Seen` unless `markSeen=true`, which needs a write token. Attachments are ' +
    'described, not downloaded: follow each `downloadUrl`.\n\n' +
    'Caching: the answer carries a weak `ETag` over the message id, the query (`body`, `html`, `images`, ' +
    '`headers`, `maxBodyBytes`, `fields`) and the flags, the only part of a message that changes. Send it ' +
    'back in `If-None-Match`: on IMAP the gateway asks the server for the flags alone ' +
    '(`UID FETCH <uid> (UID FLAGS)`) and answers 304 with no body when they are unchanged, else the full ' +
    'answer with its new tag. An answer without flag fields (see `fields`) and a POP3 message never ' +
    'change: a matching request is answered 304 without contacting the server.',
  security: bearerSecurity,
  responses: {
    200: {
      description:
        'The message. With `fields`, only those fields: `?fields=subject,from,flags` gives `{"id": ' +
        '"iAQAAAABAAAAKklOQk9Y", "subject": "Quarterly figures", "from": {"name": "Bob", "address": ' +
        '"bob@example.com"}, "flags": ["\\Seen"]}`.',
      headers: {
        ETag: {
          description: 'Weak: `W/"` and 27 base64url characters `"`. Names nothing it was made from.',
          schema: { type: 'string' as const, example: 'W/"p1mQk0tqXzOq1w2cYcdcJ8m0FEa5Hs0"' },
        },
        'Cache-Control': {
          description: '`private, no-cache`: keep it, but revalidate with `If-None-Match` before use.',
          schema: { type: 'string' as const },
        },
      },
      content: {
        'application/json': {
          schema: messageSchema,
          examples: {
            message: { summary: 'A message', value: MESSAGE_EXAMPLE },
            fields: {
              summary: '`?fields=subject,from,flags`',
              value: {
                id: 'iAQAAAABAAAAKklOQk9Y',
                subject: 'Quarterly figures',
                from: { name: 'Bob', address: 'bob@example.com' },
                flags: ['\\Seen'],
              },
            },
          },
        },
      },
    },
    304: {
      description:
        '`If-None-Match` holds the current tag (or is `*`): no body, with the `ETag` and `Cache-Control` a 200 ' +
        'would carry.',
    },
    ...commonErrors,
    403: { ...commonErrors[403], description: '`markSeen=true` with a read-only token (`forbidden`).' },
    404: { ...commonErrors[404], description: 'No such account or message.' },
    ...conflictError,
    ...messageTooLargeError,
  },
};

export const getMessage = createRoute({
  operationId: 'getMessage',
  ...getMessageSpec,
  path: ACCOUNT_MESSAGE_PATH,
  request: { params: messageParams, query: messageQuery, headers: conditionalRead },
});

export const getMessageInMailbox = createRoute({
  operationId: 'getMessageInMailbox',
  ...aliasOf(getMessageSpec, ACCOUNT_MESSAGE_PATH),
  path: NESTED_MESSAGE_PATH,
  request: { params: nestedMessageParams, query: messageQuery, headers: conditionalRead },
});
