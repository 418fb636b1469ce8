import { createRoute, z } from '@hono/zod-openapi';
import { attachmentParams, messageParams } from '../../schemas/message.schema.js';
import { bearerSecurity, commonErrors, conflictError } from '../../schemas/problem.schema.js';

const tags = ['Downloads'];

const binary = z.string().openapi({ format: 'binary' });

const downloadHeaders = {
  'Content-Disposition': {
    description: "RFC 6266: `filename` (ASCII fallback) and `filename*=UTF-8''…`.",
    schema: { type: 'string' as const },
  },
  'Content-Length': {
    description: 'Present when the size is known in advance.',
    schema: { type: 'integer' as const },
  },
};

export const getRaw = createRoute({
  method: 'get',
  path: '/v1/accounts/{account}/mailboxes/{mailbox}/messages/{id}/raw',
  tags,
  summary: "The message's RFC 5322 source, streamed",
  security: bearerSecurity,
  request: { params: messageParams },
  responses: {
    200: {
      description: 'The source, byte for byte.',
      headers: downloadHeaders,
      content: { 'message/rfc822': { schema: binary } },
    },
    ...commonErrors,
    404: { ...commonErrors[404], description: 'No such account, mailbox or message.' },
    ...conflictError,
  },
});

export const getAttachment = createRoute({
  method: 'get',
  path: '/v1/accounts/{account}/mailboxes/{mailbox}/messages/{id}/attachments/{attachmentId}',
  tags,
  summary: "One attachment's bytes, streamed",
  description:
    "The part's body after transfer decoding only (base64, quoted-printable): no charset conversion " +
    'and no line-ending change. The Content-Type is the one the message declares, parameters kept.',
  security: bearerSecurity,
  request: { params: attachmentParams },
  responses: {
    200: {
      description: 'The attachment.',
      headers: downloadHeaders,
      content: { '*/*': { schema: binary } },
    },
    ...commonErrors,
    404: { ...commonErrors[404], description: 'No such account, mailbox, message or attachment.' },
    ...conflictError,
  },
});
