import { createRoute, z } from '@hono/zod-openapi';
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

const downloadHeaders = {
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
  security: bearerSecurity,
  responses: {
    200: {
      description: 'The source, byte for byte.',
      headers: downloadHeaders,
      content: { 'message/rfc822': { schema: binary } },
    },
    ...commonErrors,
    404: { ...commonErrors[404], description: 'No such account or message.' },
    ...conflictError,
  },
};

export const getRaw = createRoute({
  ...getRawSpec,
  path: `${ACCOUNT_MESSAGE_PATH}/raw`,
  request: { params: messageParams },
});

export const getRawInMailbox = createRoute({
  ...aliasOf(getRawSpec, `${ACCOUNT_MESSAGE_PATH}/raw`),
  path: `${NESTED_MESSAGE_PATH}/raw`,
  request: { params: nestedMessageParams },
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
      content: { '*/*': { schema: binary } },
    },
    ...commonErrors,
    404: { ...commonErrors[404], description: 'No such account, message or attachment.' },
    ...conflictError,
    ...messageTooLargeError,
  },
};

const ATTACHMENT_SUFFIX = '/attachments/{attachmentId}';

export const getAttachment = createRoute({
  ...getAttachmentSpec,
  path: `${ACCOUNT_MESSAGE_PATH}${ATTACHMENT_SUFFIX}`,
  request: { params: attachmentParams },
});

export const getAttachmentInMailbox = createRoute({
  ...aliasOf(getAttachmentSpec, `${ACCOUNT_MESSAGE_PATH}${ATTACHMENT_SUFFIX}`),
  path: `${NESTED_MESSAGE_PATH}${ATTACHMENT_SUFFIX}`,
  request: { params: nestedAttachmentParams },
});
