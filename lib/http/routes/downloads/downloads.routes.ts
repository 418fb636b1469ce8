import { createRoute, z } from '@hono/zod-openapi';
import { RAW_MESSAGE_EXAMPLE } from '../../schemas/examples.js';
import {
  attachmentParams,
  messageParams,
  nestedAttachmentParams,
  nestedMessageParams,
} from '../../schemas/message.schema.js';
import {
  bearerSecurity,
  commonErrors,
  conflictError,
  messageTooLargeError,
} from '../../schemas/problem.schema.js';
import { ACCOUNT_MESSAGE_PATH, aliasOf, NESTED_MESSAGE_PATH } from '../messages/nested-alias.js';

const tags = ['Downloads'];

const binary = z.string().openapi({ format: 'binary' });

const cacheHeaders = {
  ETag: {
    description:
      'Strong: `"` and 27 base64url characters `"`, from the account, the message id and (for an ' +
      'attachment) its id; it names nothing it was made from. A message id never names other bytes (it ' +
      'binds UIDVALIDITY and UID, or the POP3 UIDL), so the tag never changes for this URL.',
    schema: { type: 'string' as const, example: '"Xq3v1GHbK0t5mZ9pQe2WcA7yLrN4sJd"' },
  },
  'Cache-Control': {
    description: '`private, max-age=31536000, immutable`: keep it for a year, never in a shared cache.',
    schema: { type: 'string' as const },
  },
};

/** If-None-Match on the downloads: answered without contacting the mail server. */
const conditionalRequest = z.object({
  'if-none-match': z
    .string()
    .optional()
    .openapi({
      description:
        'The `ETag` of an earlier answer (or a list of tags, or `*`; `W/` is ignored, RFC 9110 §13.1.2). ' +
        "When it holds this download's tag the answer is 304, with no connection to the mail server: " +
        'the token is checked as always, the message is not (a deleted message still answers 304).',
      example: '"Xq3v1GHbK0t5mZ9pQe2WcA7yLrN4sJd"',
    }),
});

const notModified = {
  304: {
    description: "`If-None-Match` holds this download's tag: no body, the same `ETag` and `Cache-Control`.",
    headers: cacheHeaders,
  },
};

const downloadHeaders = {
  ...cacheHeaders,
  'Content-Disposition': {
    description: "RFC 6266: `filename` (ASCII fallback) and `filename*=UTF-8''…`.",
    schema: { type: 'string' as const },
  },
  'Content-Length': {
    description:
      'Present when the exact size is known in advance; a body that turns out longer or shorter is aborted (the connection closes), never cut silently.',
    schema: { type: 'integer' as const },
  },
};

const getRawSpec = {
  method: 'get' as const,
  tags,
  summary: "The message's RFC 5322 source, streamed",
  description:
    'The message exactly as the server stores it, headers and body, streamed as it arrives (never held ' +
    'whole), with its length announced when the server declares it.',
  security: bearerSecurity,
  responses: {
    200: {
      description: 'The source, byte for byte.',
      headers: downloadHeaders,
      content: { 'message/rfc822': { schema: binary, example: RAW_MESSAGE_EXAMPLE } },
    },
    ...notModified,
    ...commonErrors,
    404: { ...commonErrors[404], description: 'No such account or message.' },
    ...conflictError,
  },
};

export const getRaw = createRoute({
  operationId: 'getRawMessage',
  ...getRawSpec,
  path: `${ACCOUNT_MESSAGE_PATH}/raw`,
  request: { params: messageParams, headers: conditionalRequest },
});

export const getRawInMailbox = createRoute({
  operationId: 'getRawMessageInMailbox',
  ...aliasOf(getRawSpec, `${ACCOUNT_MESSAGE_PATH}/raw`),
  path: `${NESTED_MESSAGE_PATH}/raw`,
  request: { params: nestedMessageParams, headers: conditionalRequest },
});

const getAttachmentSpec = {
  method: 'get' as const,
  tags,
  summary: "One attachment's bytes, streamed",
  description:
    "The part's body after transfer decoding only (base64, quoted-printable): no charset conversion " +
    'and no line-ending change. The Content-Type is the one the message declares, parameters kept.',
  security: bearerSecurity,
  responses: {
    200: {
      description: 'The attachment.',
      headers: downloadHeaders,
      content: { '*/*': { schema: binary, example: "The attachment's bytes, as the message carries them." } },
    },
    ...notModified,
    ...commonErrors,
    404: { ...commonErrors[404], description: 'No such account, message or attachment.' },
    ...conflictError,
    ...messageTooLargeError,
  },
};

const ATTACHMENT_SUFFIX = '/attachments/{attachmentId}';

export const getAttachment = createRoute({
  operationId: 'getAttachment',
  ...getAttachmentSpec,
  path: `${ACCOUNT_MESSAGE_PATH}${ATTACHMENT_SUFFIX}`,
  request: { params: attachmentParams, headers: conditionalRequest },
});

export const getAttachmentInMailbox = createRoute({
  operationId: 'getAttachmentInMailbox',
  ...aliasOf(getAttachmentSpec, `${ACCOUNT_MESSAGE_PATH}${ATTACHMENT_SUFFIX}`),
  path: `${NESTED_MESSAGE_PATH}${ATTACHMENT_SUFFIX}`,
  request: { params: nestedAttachmentParams, headers: conditionalRequest },
});
