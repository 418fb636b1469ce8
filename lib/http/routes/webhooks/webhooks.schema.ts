import { z } from '@hono/zod-openapi';
import { EVENT_TYPES } from '../../../webhooks/events.js';
import { webhookSubscriptionInput, webhookSubscriptionUpdate } from '../../../webhooks/subscription.js';

/**
 * The webhook routes' schemas. The bodies are lib/webhooks' own
 * (subscription.ts), so the routes and the watcher agree on what is valid.
 * `.meta`, not `.openapi`, on those: they are built with plain zod before
 * @hono/zod-openapi extends it.
 */

/** Per account: each webhook costs the watcher connections or polls, and a delivery queue. */
export const MAX_WEBHOOKS_PER_ACCOUNT = 25;

/** 100 mailboxes of 1000 bytes, escaped, and a URL fit well under this. */
export const WEBHOOK_BODY_LIMIT_BYTES = 512 * 1024;

const shape = webhookSubscriptionInput.shape;

const urlDescription =
  'Where events are POSTed: https, with no user name, password or fragment, on a host whose every ' +
  'address is public (loopback, private, link-local and reserved addresses are refused, cloud metadata ' +
  'addresses always). A server run with MAILGATE_WEBHOOK_ALLOW_PRIVATE=true also accepts plain http and ' +
  'private addresses. At most 2048 characters.';

const mailboxesDescription =
  'The mailboxes to watch, as the client names them: full paths, roles such as `~inbox`, or `~~…` for a ' +
  'path that starts with `~`. Default `["~inbox"]`; at most 100, each must exist (404 ' +
  '`mailbox_not_found`). POP3 accounts have only INBOX.';

const eventsDescription =
  'The event types to deliver. Default: every mail event the account can produce (`message.created`, ' +
  '`message.updated`, `message.deleted`, `mailbox.reset`; POP3 accounts have no flags, so without ' +
  '`message.updated`, which they refuse with 400). `ping` is sent on request (`POST …/test`) whether ' +
  'listed or not.';

/** `POST …/webhooks`. `events` has no default here: the account's protocol decides it (see the handler). */
export const createWebhookBody = z
  .object({
    url: shape.url.meta({ description: urlDescription, example: 'https://example.com/hooks/mail' }),
    mailboxes: shape.mailboxes.meta({ description: mailboxesDescription, example: ['~inbox'] }),
    events: shape.events.unwrap().optional().meta({ description: eventsDescription }),
  })
  .strict()
  .openapi('WebhookRequest', {
    example: { url: 'https://example.com/hooks/mail', mailboxes: ['~inbox'], events: ['message.created'] },
  });

export const updateWebhookBody = webhookSubscriptionUpdate.meta({
  id: 'WebhookUpdate',
  description:
    'What to change; at least one field. `status: "active"` re-enables a failing or disabled webhook: ' +
    'its queued events are due again at once, with no failures counted. `url`, `mailboxes` and `events` ' +
    'replace theirs, checked as at creation.',
  example: { status: 'active' },
});

export const webhookParams = z.object({
  account: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'account', in: 'path' }, example: 'work' }),
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'wh_5f0c6a1e9b2d4c7a8e3f1b20' }),
});

const WEBHOOK_EXAMPLE = {
  id: 'wh_5f0c6a1e9b2d4c7a8e3f1b20',
  url: 'https://example.com/hooks/mail',
  mailboxes: ['~inbox'],
  events: ['message.created', 'message.updated', 'message.deleted', 'mailbox.reset'],
  status: 'active',
  lastError: null,
  nextRetryAt: null,
  disabledReason: null,
  createdAt: '2026-12-01T09:00:00.000Z',
  updatedAt: '2026-12-01T09:00:00.000Z',
};

const webhookFields = {
  id: z.string().openapi({ description: '`wh_` and 24 hex digits.' }),
  url: z.string(),
  mailboxes: z.array(z.string()).openapi({ description: 'As the client named them.' }),
  events: z.array(z.enum(EVENT_TYPES)),
  status: z.enum(['active', 'failing', 'disabled']).openapi({
    description:
      '`active`; `failing`: the last delivery failed and is retried at `nextRetryAt` (`lastError` says ' +
      'why); `disabled`: deliveries stopped (`disabledReason`) after a day of failures, a 410 Gone or a ' +
      'URL that breaks the rules. PATCH `{"status": "active"}` re-enables.',
  }),
  lastError: z
    .string()
    .nullable()
    .openapi({ description: 'Why the last attempt failed; null once one succeeds.' }),
  nextRetryAt: z
    .string()
    .nullable()
    .openapi({ description: 'ISO 8601: the next attempt of a failing webhook.' }),
  disabledReason: z.string().nullable(),
  createdAt: z.string().openapi({ description: 'ISO 8601.' }),
  updatedAt: z.string().openapi({ description: 'ISO 8601.' }),
};

export const webhookSchema = z.object(webhookFields).openapi('Webhook', {
  description: 'A webhook subscription, without its signing secret.',
  example: WEBHOOK_EXAMPLE,
});

export const createdWebhookSchema = z
  .object({
    ...webhookFields,
    secret: z.string().openapi({
      description:
        'The Standard Webhooks signing key (`whsec_…`). Shown this once: keep it to verify deliveries.',
    }),
  })
  .openapi('CreatedWebhook', {
    example: { ...WEBHOOK_EXAMPLE, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  });

export const webhookListSchema = z
  .object({ webhooks: z.array(webhookSchema) })
  .openapi('WebhookList', { description: 'The account’s webhooks, oldest first, without secrets.' });

export const queuedPingSchema = z
  .object({
    id: z.string().openapi({
      description: 'The event id: the `webhook-id` header of its delivery.',
      example: 'msg_01JEZ3K5M7N9P1Q3R5S7T9V1W3',
    }),
    type: z.literal('ping'),
  })
  .openapi('QueuedPing');
