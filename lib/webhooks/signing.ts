import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): an
 * HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>` with the
 * subscription's secret. The `standardwebhooks` package signs, so a receiver
 * using it (or any conforming library) verifies exactly what we sent.
 */

const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;
/** `whsec_` and standard base64 of 24 to 64 bytes (the spec asks for 24 to 64). */
const SECRET_PATTERN = /^whsec_(?:[A-Za-z0-9+/]{4}){8,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** A new signing secret: `whsec_` and the base64 of 32 random bytes (a full HMAC-SHA256 key). */
export function createWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** Whether `value` has the form of a secret this module makes (for a stored document's schema). */
export function isWebhookSecret(value: string): boolean {
  if (!SECRET_PATTERN.test(value)) return false;
  const bytes = Buffer.from(value.slice(SECRET_PREFIX.length), 'base64').length;
  return bytes >= 24 && bytes <= 64;
}

/**
 * The three headers of one delivery attempt. `timestamp` is when the attempt
 * is made, not when the event happened: receivers refuse signatures older
 * than a few minutes (the library's tolerance is 5), and a retry may come a
 * day later. `eventId` is the event's stored id, the same on every attempt.
 * @throws Error when the secret is not a `whsec_` base64 key.
 */
export function signDelivery(
  secret: string,
  eventId: string,
  timestamp: Date,
  body: string,
): SignatureHeaders {
  if (!isWebhookSecret(secret)) throw new Error('Not a webhook signing secret.');
  const signature = new Webhook(secret).sign(eventId, timestamp, body);
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signature,
  };
}
