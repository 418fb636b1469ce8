import { createRoute } from '@hono/zod-openapi';
import { limitBody } from '../../middleware/body-limit.js';
import { accountParams } from '../../schemas/account.schema.js';
import {
  CREATED_WEBHOOK_EXAMPLE,
  QUEUED_PING_EXAMPLE,
  WEBHOOK_EXAMPLE,
  WEBHOOK_LIST_EXAMPLE,
  WEBHOOK_REQUEST_EXAMPLE,
  WEBHOOK_UPDATE_EXAMPLE,
} from '../../schemas/examples.js';
import {
  bearerSecurity,
  commonErrors,
  jsonBodyErrors,
  problemResponse,
} from '../../schemas/problem.schema.js';
import { requireWebhooks } from './webhooks.access.js';
import {
  createdWebhookSchema,
  createWebhookBody,
  queuedPingSchema,
  updateWebhookBody,
  WEBHOOK_BODY_LIMIT_BYTES,
  webhookListSchema,
  webhookParams,
  webhookSchema,
} from './webhooks.schema.js';

/**
 * Webhooks: an account's subscriptions to push deliveries of its mail
 * events (issue #12). Every route needs a write token for the account, even
 * to list (a receiver's URL often carries its own token), and answers 501
 * on a server that runs no webhooks. The routes only write the webhook
 * store and tell the watching side; they never deliver.
 */

const tags = ['Webhooks'];

const errors = {
  ...commonErrors,
  403: problemResponse(
    'A read-only or admin token (`forbidden`): webhooks need a write token, even to be listed.',
    {
      code: 'forbidden',
      detail: "Webhooks need a write token: their URLs may carry the receivers' own credentials.",
    },
  ),
  404: problemResponse('No such account (`account_not_found`).', {
    code: 'account_not_found',
    detail: 'No such account.',
  }),
  501: problemResponse('This server runs no webhooks (`unsupported_operation`).', {
    code: 'unsupported_operation',
    detail: 'This server does not run webhooks.',
  }),
} as const;

const notFound = {
  404: problemResponse(
    'No such account (`account_not_found`), or no webhook of that id in this account (`webhook_not_found`).',
    { code: 'webhook_not_found', detail: 'No such webhook.' },
  ),
} as const;

const mailboxNotFound = {
  404: problemResponse(
    'No such account (`account_not_found`), webhook (`webhook_not_found`, on PATCH) or mailbox (`mailbox_not_found`: a mailbox named does not exist). Nothing was stored.',
    { code: 'mailbox_not_found', detail: 'No such mailbox: Archive/2026.' },
  ),
} as const;

const invalidBody = {
  400: problemResponse(
    'The body is invalid, or the URL is refused (`invalid_request`): the detail says why, without the URL’s path or query. A POP3 account asked for `message.updated`. Nothing was stored.',
    {
      code: 'invalid_request',
      detail: 'The webhook address 127.0.0.1 is a loopback address; webhooks may only call public addresses.',
    },
  ),
} as const;

const accessOnly = requireWebhooks();
const limitJson = limitBody(WEBHOOK_BODY_LIMIT_BYTES);
const jsonBody = <T>(schema: T, example: unknown) => ({
  required: true,
  content: { 'application/json': { schema, example } },
});

export const createWebhook = createRoute({
  method: 'post',
  path: '/v1/accounts/{account}/webhooks',
  operationId: 'createWebhook',
  tags,
  summary: 'Create a webhook',
  description:
    'Subscribes a URL to events of some mailboxes. Deliveries follow Standard Webhooks: headers ' +
    '`webhook-id` (the event id, the same on every retry), `webhook-timestamp` and `webhook-signature` ' +
    '(`v1,` and the base64 HMAC-SHA256 with the `secret`, which this answer alone shows). The body is ' +
    '`{"type", "timestamp", "data"}`. The URL is checked now (a name on every address it resolves to) and ' +
    'again at each delivery. Every mailbox must exist. At most 25 webhooks per account (409 ' +
    '`webhook_limit_reached`). A new webhook starts from the mailboxes’ current state: no history.',
  security: bearerSecurity,
  middleware: [accessOnly, limitJson] as const,
  request: { params: accountParams, body: jsonBody(createWebhookBody, WEBHOOK_REQUEST_EXAMPLE) },
  responses: {
    201: {
      description: 'Created; the signing secret is shown this once.',
      headers: { Location: { description: 'The new webhook.', schema: { type: 'string' as const } } },
      content: { 'application/json': { schema: createdWebhookSchema, example: CREATED_WEBHOOK_EXAMPLE } },
    },
    ...errors,
    ...invalidBody,
    ...mailboxNotFound,
    409: problemResponse(
      'The account has as many webhooks as it may (`webhook_limit_reached`); nothing was stored.',
      {
        code: 'webhook_limit_reached',
        detail: 'This account already has 25 webhooks, the most one account may have. Delete one first.',
      },
    ),
    ...jsonBodyErrors,
  },
});

export const listWebhooks = createRoute({
  method: 'get',
  path: '/v1/accounts/{account}/webhooks',
  operationId: 'listWebhooks',
  tags,
  summary: 'List the webhooks',
  description:
    'The account’s webhooks, oldest first, with their status; never a secret. Needs a write token.',
  security: bearerSecurity,
  middleware: [accessOnly] as const,
  request: { params: accountParams },
  responses: {
    200: {
      description: 'The webhooks.',
      content: { 'application/json': { schema: webhookListSchema, example: WEBHOOK_LIST_EXAMPLE } },
    },
    ...errors,
  },
});

export const getWebhook = createRoute({
  method: 'get',
  path: '/v1/accounts/{account}/webhooks/{id}',
  operationId: 'getWebhook',
  tags,
  summary: 'Get a webhook',
  description:
    'Its settings and delivery status: `active`, `failing` (with `lastError` and `nextRetryAt`) or ' +
    '`disabled` (with `disabledReason`). Needs a write token.',
  security: bearerSecurity,
  middleware: [accessOnly] as const,
  request: { params: webhookParams },
  responses: {
    200: {
      description: 'The webhook.',
      content: { 'application/json': { schema: webhookSchema, example: WEBHOOK_EXAMPLE } },
    },
    ...errors,
    ...notFound,
  },
});

export const updateWebhook = createRoute({
  method: 'patch',
  path: '/v1/accounts/{account}/webhooks/{id}',
  operationId: 'updateWebhook',
  tags,
  summary: 'Change or re-enable a webhook',
  description:
    '`{"status": "active"}` re-enables a failing or disabled webhook: its queued events are tried again ' +
    'at once, and the watcher resumes from the stored state (a `mailbox.reset` if that state is no longer ' +
    'valid). `url`, `mailboxes` and `events` replace theirs, checked as at creation; nothing changes on ' +
    'any refusal.',
  security: bearerSecurity,
  middleware: [accessOnly, limitJson] as const,
  request: { params: webhookParams, body: jsonBody(updateWebhookBody, WEBHOOK_UPDATE_EXAMPLE) },
  responses: {
    200: {
      description: 'The webhook after the change.',
      content: { 'application/json': { schema: webhookSchema, example: WEBHOOK_EXAMPLE } },
    },
    ...errors,
    ...invalidBody,
    ...mailboxNotFound,
    ...jsonBodyErrors,
  },
});

export const deleteWebhook = createRoute({
  method: 'delete',
  path: '/v1/accounts/{account}/webhooks/{id}',
  operationId: 'deleteWebhook',
  tags,
  summary: 'Delete a webhook',
  description: 'Deletes the webhook with its queued events; nothing more is delivered to it.',
  security: bearerSecurity,
  middleware: [accessOnly] as const,
  request: { params: webhookParams },
  responses: {
    204: { description: 'Deleted.' },
    ...errors,
    ...notFound,
  },
});

export const testWebhook = createRoute({
  method: 'post',
  path: '/v1/accounts/{account}/webhooks/{id}/test',
  operationId: 'testWebhook',
  tags,
  summary: 'Send a test ping',
  description:
    'Queues a `ping` event (`data`: `account`, `webhook`) behind the webhook’s other events and answers ' +
    'at once with its id; it is delivered like any event. A disabled webhook keeps it queued until ' +
    're-enabled.',
  security: bearerSecurity,
  middleware: [accessOnly] as const,
  request: { params: webhookParams },
  responses: {
    202: {
      description: 'Queued.',
      content: { 'application/json': { schema: queuedPingSchema, example: QUEUED_PING_EXAMPLE } },
    },
    ...errors,
    ...notFound,
  },
});
