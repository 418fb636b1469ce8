import { createRoute } from '@hono/zod-openapi';
import { CHANGES_EXAMPLE, WAIT_RESULT_EXAMPLE } from '../../schemas/examples.js';
import { mailboxParams } from '../../schemas/mailbox.schema.js';
import {
  bearerSecurity,
  commonErrors,
  stateExpiredError,
  unsupportedError,
} from '../../schemas/problem.schema.js';
import {
  changesQuery,
  changesSchema,
  DEFAULT_MAX_CHANGES,
  MAX_WAIT_SECONDS,
  waitQuery,
  waitResultSchema,
} from '../../schemas/sync.schema.js';

const tags = ['Sync'];

const errors = {
  ...commonErrors,
  404: { ...commonErrors[404], description: 'No such account or mailbox.' },
  ...stateExpiredError,
  ...unsupportedError,
};

export const getChanges = createRoute({
  operationId: 'getChanges',
  method: 'get',
  path: '/v1/accounts/{account}/mailboxes/{mailbox}/changes',
  tags,
  summary: 'What changed in a mailbox since a state',
  description:
    'Messages created (as summaries), updated (id and flags) and removed (ids) since `since`, at ' +
    `most \`maxChanges\` (default ${DEFAULT_MAX_CHANGES}) per answer; with \`hasMore\`, call again ` +
    'with the returned `state`. Beyond the contract, `removedComplete` says whether `removed` is ' +
    'exact: a server without QRESYNC cannot report removals, and the gateway says so instead of ' +
    'guessing. 409 `state_expired` when the delta cannot be computed (the mailbox was recreated): ' +
    'list the mailbox again. 501 where the server lacks CONDSTORE, and for POP3.',
  security: bearerSecurity,
  request: { params: mailboxParams, query: changesQuery },
  responses: {
    200: {
      description: 'The delta.',
      content: { 'application/json': { schema: changesSchema, example: CHANGES_EXAMPLE } },
    },
    ...errors,
  },
});

export const waitForChange = createRoute({
  operationId: 'waitForChange',
  method: 'get',
  path: '/v1/accounts/{account}/mailboxes/{mailbox}/wait',
  tags,
  summary: 'Wait until a mailbox changes (long poll)',
  description:
    'Answers `changed: true` as soon as the mailbox changes after `since` (at once if it already ' +
    `has), or \`changed: false\` after \`timeout\` seconds (1–${MAX_WAIT_SECONDS}, default ` +
    `${MAX_WAIT_SECONDS}). The request deadline is lengthened to cover the wait. The mail ` +
    'connection is closed as soon as the client goes away.',
  security: bearerSecurity,
  request: { params: mailboxParams, query: waitQuery },
  responses: {
    200: {
      description: 'Whether it changed, and the state now.',
      content: { 'application/json': { schema: waitResultSchema, example: WAIT_RESULT_EXAMPLE } },
    },
    ...errors,
  },
});
