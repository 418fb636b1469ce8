import { createRoute, z } from '@hono/zod-openapi';
import { APPEND_JSON_EXAMPLE, APPEND_RESULT_EXAMPLE, RAW_MESSAGE_EXAMPLE } from '../../schemas/examples.js';
import { mailboxParams } from '../../schemas/mailbox.schema.js';
import {
  bearerSecurity,
  commonErrors,
  unsupportedError,
  uploadErrors,
} from '../../schemas/problem.schema.js';
import { appendJsonBody, appendResultSchema } from '../../schemas/write.schema.js';
import { appendBodyGate, RFC822 } from './append-body.js';

export const appendMessage = createRoute({
  operationId: 'appendMessage',
  method: 'post',
  path: '/v1/accounts/{account}/mailboxes/{mailbox}/messages',
  tags: ['Messages'],
  summary: 'Add a message to a mailbox',
  description:
    `Send the message itself as \`${RFC822}\`, or JSON \`{raw, flags, date}\` with the message ` +
    'base64-encoded. A body is required. The size limit is the server setting ' +
    '`MAILGATE_MAX_UPLOAD_BYTES` (413 beyond it). The bytes must look like an RFC 5322 message, ' +
    'else 400: not empty, starting with a header field, at least one well-formed `Name: value` ' +
    'field, the header block ended by an empty line (or the end), no NUL byte in it.',
  security: bearerSecurity,
  middleware: [appendBodyGate] as const,
  request: {
    params: mailboxParams,
    body: {
      // The JSON validator must let a message/rfc822 body through: presence is enforced by the handler.
      required: false,
      content: {
        'application/json': { schema: appendJsonBody, example: APPEND_JSON_EXAMPLE },
        [RFC822]: { schema: z.string().openapi({ format: 'binary' }), example: RAW_MESSAGE_EXAMPLE },
      },
    },
  },
  responses: {
    201: {
      description: 'Stored.',
      headers: {
        Location: { description: 'The new message.', schema: { type: 'string' as const } },
      },
      content: { 'application/json': { schema: appendResultSchema, example: APPEND_RESULT_EXAMPLE } },
    },
    ...commonErrors,
    403: { ...commonErrors[403], description: 'A read-only token (`forbidden`).' },
    404: { ...commonErrors[404], description: 'No such account or mailbox.' },
    ...uploadErrors,
    ...unsupportedError,
  },
});
