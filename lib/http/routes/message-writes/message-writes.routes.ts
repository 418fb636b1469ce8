import { createRoute } from '@hono/zod-openapi';
import { JSON_BODY_LIMIT_BYTES, limitBody } from '../../middleware/body-limit.js';
import {
  MESSAGE_FLAGS_EXAMPLE,
  MESSAGE_REF_EXAMPLE,
  MESSAGE_TRANSFER_EXAMPLE,
  MESSAGE_UPDATE_EXAMPLE,
} from '../../schemas/examples.js';
import { messageParams, nestedMessageParams } from '../../schemas/message.schema.js';
import {
  bearerSecurity,
  commonErrors,
  jsonBodyErrors,
  staleIdError,
  unsupportedError,
} from '../../schemas/problem.schema.js';
import {
  deleteMessageQuery,
  messageFlagsSchema,
  messageRefSchema,
  transferBody,
  updateMessageBody,
} from '../../schemas/write.schema.js';
import { ACCOUNT_MESSAGE_PATH, aliasOf, NESTED_MESSAGE_PATH } from '../messages/nested-alias.js';

const tags = ['Messages'];
const jsonBody = <T>(schema: T, example: unknown) => ({
  required: true,
  content: { 'application/json': { schema, example } },
});
const limitJson = limitBody(JSON_BODY_LIMIT_BYTES);

const writeErrors = {
  ...commonErrors,
  403: { ...commonErrors[403], description: 'A read-only token (`forbidden`).' },
  404: { ...commonErrors[404], description: 'No such account or message.' },
  ...staleIdError,
  ...unsupportedError,
};

const updateMessageSpec = {
  method: 'patch' as const,
  tags,
  summary: "Change a message's flags",
  description:
    'Adds and removes flags, or replaces them all with `set`. Answers with the flags as the server ' +
    'reports them afterwards. POP3 accounts have no flags (501).',
  security: bearerSecurity,
  middleware: [limitJson],
  responses: {
    200: {
      description: 'The flags now.',
      content: { 'application/json': { schema: messageFlagsSchema, example: MESSAGE_FLAGS_EXAMPLE } },
    },
    ...writeErrors,
    ...jsonBodyErrors,
  },
};

export const updateMessage = createRoute({
  operationId: 'updateMessage',
  ...updateMessageSpec,
  path: ACCOUNT_MESSAGE_PATH,
  request: { params: messageParams, body: jsonBody(updateMessageBody, MESSAGE_UPDATE_EXAMPLE) },
});

export const updateMessageInMailbox = createRoute({
  operationId: 'updateMessageInMailbox',
  ...aliasOf(updateMessageSpec, ACCOUNT_MESSAGE_PATH),
  path: NESTED_MESSAGE_PATH,
  request: { params: nestedMessageParams, body: jsonBody(updateMessageBody, MESSAGE_UPDATE_EXAMPLE) },
});

function transferSpec(action: 'move' | 'copy') {
  return {
    method: 'post' as const,
    tags,
    summary: action === 'move' ? 'Move a message to another mailbox' : 'Copy a message to another mailbox',
    description:
      (action === 'move'
        ? 'Answers with the id the message has in its new mailbox; the old id no longer applies. '
        : 'Answers with the id of the copy; the original is untouched. ') +
      'A missing destination is 404 `mailbox_not_found` and changes nothing.',
    security: bearerSecurity,
    middleware: [limitJson],
    responses: {
      200: {
        description: action === 'move' ? 'The message in its new mailbox.' : 'The copy.',
        content: { 'application/json': { schema: messageRefSchema, example: MESSAGE_REF_EXAMPLE } },
      },
      ...writeErrors,
      404: { ...commonErrors[404], description: 'No such account, destination or message.' },
      ...jsonBodyErrors,
    },
  };
}

function transferRoute(action: 'move' | 'copy') {
  return createRoute({
    ...transferSpec(action),
    operationId: `${action}Message`,
    path: `${ACCOUNT_MESSAGE_PATH}/${action}`,
    request: { params: messageParams, body: jsonBody(transferBody, MESSAGE_TRANSFER_EXAMPLE) },
  });
}

function nestedTransferRoute(action: 'move' | 'copy') {
  return createRoute({
    ...aliasOf(transferSpec(action), `${ACCOUNT_MESSAGE_PATH}/${action}`),
    operationId: `${action}MessageInMailbox`,
    path: `${NESTED_MESSAGE_PATH}/${action}`,
    request: { params: nestedMessageParams, body: jsonBody(transferBody, MESSAGE_TRANSFER_EXAMPLE) },
  });
}

export const moveMessage = transferRoute('move');
export const copyMessage = transferRoute('copy');
export const moveMessageInMailbox = nestedTransferRoute('move');
export const copyMessageInMailbox = nestedTransferRoute('copy');

const deleteMessageSpec = {
  method: 'delete' as const,
  tags,
  summary: 'Delete a message',
  description:
    'Moves the message to the Trash role (200 with its new id). With `permanent=true`, when it is ' +
    'already in Trash, or on a POP3 account, removes that one message for good (204); no other ' +
    'message is ever expunged with it.',
  security: bearerSecurity,
  responses: {
    200: {
      description: 'Moved to Trash.',
      content: { 'application/json': { schema: messageRefSchema, example: MESSAGE_REF_EXAMPLE } },
    },
    204: { description: 'Deleted for good.' },
    ...writeErrors,
  },
};

export const deleteMessage = createRoute({
  operationId: 'deleteMessage',
  ...deleteMessageSpec,
  path: ACCOUNT_MESSAGE_PATH,
  request: { params: messageParams, query: deleteMessageQuery },
});

export const deleteMessageInMailbox = createRoute({
  operationId: 'deleteMessageInMailbox',
  ...aliasOf(deleteMessageSpec, ACCOUNT_MESSAGE_PATH),
  path: NESTED_MESSAGE_PATH,
  request: { params: nestedMessageParams, query: deleteMessageQuery },
});
