import type { MessageSummary } from '../../../lib/mail/types.js';
import { createEvent, type WebhookEvent } from '../../../lib/webhooks/events.js';
import type { NewWebhook } from '../../../lib/webhooks/repository.js';
import { createWebhookSecret } from '../../../lib/webhooks/signing.js';

/** Builders shared by the webhook store tests (the contract, the local store's files and crash tests). */

export function buildNewWebhook(overrides: Partial<NewWebhook> = {}): NewWebhook {
  return {
    account: 'acme',
    url: 'https://hooks.example.com/mail',
    mailboxes: ['~inbox', 'Archive/2026'],
    events: ['message.created', 'message.deleted'],
    secret: createWebhookSecret(),
    ...overrides,
  };
}

export function buildSummary(uid: number, mailbox = 'INBOX'): MessageSummary {
  return {
    id: `id-${mailbox}-${uid}`,
    mailbox,
    uid,
    flags: ['\\Recent'],
    seen: false,
    flagged: false,
    answered: false,
    draft: false,
    receivedAt: '2026-05-01T10:00:00.000Z',
    date: '2026-05-01T09:59:58.000Z',
    size: 1234 + uid,
    subject: `Invoice ${uid} — Grüße ✓`,
    from: { name: 'Billing', address: 'billing@example.com' },
    to: [{ name: null, address: 'me@example.com' }],
    cc: [],
    bcc: [],
    replyTo: [],
    messageId: `<${uid}@example.com>`,
    inReplyTo: null,
    references: [],
    hasAttachments: false,
    preview: null,
  };
}

/** A `message.created` event for message `uid`, whose state is `s<uid>`. */
export function buildCreated(uid: number, mailbox = 'INBOX', account = 'acme'): WebhookEvent {
  return createEvent('message.created', {
    account,
    mailbox,
    state: `s${uid}`,
    message: buildSummary(uid, mailbox),
  });
}
