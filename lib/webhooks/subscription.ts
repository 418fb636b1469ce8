import { z } from 'zod';
import { MAILBOX_ROLES } from '../mail/types.js';
import { DEFAULT_EVENT_TYPES, EVENT_TYPES } from './events.js';

/**
 * What a client sends to create or change a webhook. The URL's form and
 * address are checked by `checkWebhookUrl` (url-guard.ts), which needs the
 * deployment's setting and a resolver; here it is only a bounded string.
 */

/** Longer URLs are refused: receivers are endpoints, not data carriers. */
export const MAX_WEBHOOK_URL_CHARS = 2048;
/** Watched mailboxes per subscription: each costs the watcher a connection or a poll. */
export const MAX_WEBHOOK_MAILBOXES = 100;
/** As for every mailbox the API takes (lib/http/input-limits.ts). */
const MAX_MAILBOX_BYTES = 1000;

export const DEFAULT_WEBHOOK_MAILBOXES: readonly string[] = ['~inbox'];

// Same rules as the API's mailbox segments (lib/http/input-limits.ts), which
// this room may not import (it would bring hono into the watcher).
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A mailbox as a JSON body names one (`{"to": …}`): a full path, `~role`, or
 * `~~…` for a path that itself starts with `~`. An unknown role is refused
 * here, since a subscription that can never match would fail silently.
 */
export const webhookMailbox = z
  .string()
  .min(1)
  .refine((value) => Buffer.byteLength(value, 'utf8') <= MAX_MAILBOX_BYTES, {
    message: `must be at most ${MAX_MAILBOX_BYTES} bytes`,
  })
  .refine((value) => !CONTROL_CHARACTER.test(value), { message: 'must not contain control characters' })
  .refine((value) => !LONE_SURROGATE.test(value), { message: 'must be well-formed Unicode' })
  .refine(
    (value) =>
      !value.startsWith('~') ||
      value.startsWith('~~') ||
      (MAILBOX_ROLES as readonly string[]).includes(value.slice(1)),
    { message: `names an unknown role (roles: ${MAILBOX_ROLES.map((role) => `~${role}`).join(', ')})` },
  );

const webhookUrl = z.string().min(1).max(MAX_WEBHOOK_URL_CHARS);

const mailboxList = z
  .array(webhookMailbox)
  .min(1)
  .max(MAX_WEBHOOK_MAILBOXES)
  .refine((list) => new Set(list).size === list.length, { message: 'must not name a mailbox twice' });

const eventList = z
  .array(z.enum(EVENT_TYPES))
  .min(1)
  .refine((list) => new Set(list).size === list.length, { message: 'must not name an event twice' });

/** `POST …/webhooks`: defaults filled in, so the parsed value is what is stored. */
export const webhookSubscriptionInput = z
  .object({
    url: webhookUrl,
    mailboxes: mailboxList.default([...DEFAULT_WEBHOOK_MAILBOXES]),
    events: eventList.default([...DEFAULT_EVENT_TYPES]),
  })
  .strict();
export type WebhookSubscriptionInput = z.infer<typeof webhookSubscriptionInput>;

/** `PATCH …/webhooks/{id}`: `status: "active"` re-enables; the other fields replace theirs. */
export const webhookSubscriptionUpdate = z
  .object({
    status: z.literal('active').optional(),
    url: webhookUrl.optional(),
    mailboxes: mailboxList.optional(),
    events: eventList.optional(),
  })
  .strict()
  .refine((update) => Object.keys(update).length > 0, { message: 'must change something' });
export type WebhookSubscriptionUpdate = z.infer<typeof webhookSubscriptionUpdate>;
