import type { Logger } from '../mail/logger.js';
import { nextRetry } from './backoff.js';
import { type DeliveryOptions, type DeliveryResult, deliverEvent } from './deliver.js';
import type { DueDelivery, FailureOutcome, WebhookRepository } from './repository.js';

/**
 * One attempt of one webhook's head event and its outcome recorded, as
 * every deliverer does it (the local loop in deliverer.ts, the AWS queue
 * consumer in aws/delivery.ts): a 2xx is `markDelivered`; a failure is
 * `markFailed` with the next attempt on the backoff schedule, or the reason
 * to disable (410 Gone, a URL or secret that breaks the rules, a day of
 * failures). One log line per attempt with ids, status and attempt number,
 * never the secret or the URL.
 */

export interface AttemptOptions {
  repository: WebhookRepository;
  /** Allow loopback, private addresses and plain http (`MAILGATE_WEBHOOK_ALLOW_PRIVATE`). */
  allowPrivate: boolean;
  /** The clock for failures, the next attempt and `webhook-timestamp`. */
  now: () => Date;
  /** In [0, 1): the retry jitter. */
  random: () => number;
  logger: Logger;
  /** Per attempt (deliver.ts's default: 10 s). */
  timeoutMs?: DeliveryOptions['timeoutMs'];
  resolve?: DeliveryOptions['resolve'];
  ca?: DeliveryOptions['ca'];
}

export type AttemptResult =
  /** The receiver answered 2xx and the event left the queue. */
  | { outcome: 'delivered' }
  /** Counted as failed; the head is tried again at `retryAt`. */
  | { outcome: 'retry'; retryAt: Date }
  /** Counted as failed; the webhook is now disabled. */
  | { outcome: 'disabled' }
  /** The event was no longer the head (delivered, deleted or replaced meanwhile): nothing recorded. */
  | { outcome: 'stale' };

/**
 * Attempts `delivery` once and records its outcome.
 * @throws what the store's `markDelivered` or `markFailed` throws: the
 *   outcome is then not recorded and the event stays at the head (it is
 *   sent again: at least once).
 */
export async function attemptDelivery(
  { webhook, queued }: DueDelivery,
  options: AttemptOptions,
): Promise<AttemptResult> {
  const { repository, logger, now } = options;
  const fields = { webhook: webhook.id, event: queued.event.id, attempt: queued.attempts + 1 };
  let result: DeliveryResult;
  try {
    result = await deliverEvent({
      url: webhook.url,
      secret: webhook.secret,
      event: queued.event,
      allowPrivate: options.allowPrivate,
      now,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    });
  } catch {
    // deliverEvent promises not to throw; should it, the attempt counts as a retryable failure.
    result = { ok: false, error: 'The delivery failed unexpectedly.', retryable: true };
  }
  if (result.ok) {
    logger.info('webhook delivered', { ...fields, status: result.status });
    const removed = await repository.markDelivered(webhook.id, queued.event.id);
    if (!removed) {
      logger.warn('webhook event was no longer at the head of its queue', fields);
      return { outcome: 'stale' };
    }
    return { outcome: 'delivered' };
  }
  const outcome = failureOutcome(result, queued.attempts, queued.firstFailureAt, now(), options.random);
  const next = 'disable' in outcome ? { disabled: outcome.disable } : { retryAt: outcome.nextAttemptAt };
  logger.warn('webhook delivery failed', {
    ...fields,
    ...(result.status === undefined ? {} : { status: result.status }),
    error: result.error,
    ...('disabled' in next ? next : { retryAt: next.retryAt.toISOString() }),
  });
  const counted = await repository.markFailed(webhook.id, queued.event.id, outcome);
  if (!counted) {
    logger.warn('webhook event was no longer at the head of its queue', fields);
    return { outcome: 'stale' };
  }
  return 'nextAttemptAt' in outcome
    ? { outcome: 'retry', retryAt: outcome.nextAttemptAt }
    : { outcome: 'disabled' };
}

/**
 * What a failed attempt does: not retryable (410 Gone, a URL or secret that
 * breaks the rules) disables at once with the reason; otherwise the next
 * attempt per `nextRetry`, or disabled once failures have lasted a day.
 * @param attempts failed attempts before this one
 * @param firstFailureAt the first of them (ISO 8601), null if none
 */
export function failureOutcome(
  result: { error: string; retryable: boolean },
  attempts: number,
  firstFailureAt: string | null,
  at: Date,
  random: () => number,
): FailureOutcome {
  if (!result.retryable) return { disable: result.error, error: result.error };
  const first = firstFailureAt === null ? at : new Date(firstFailureAt);
  const decision = nextRetry(attempts + 1, first, at, random);
  if ('disable' in decision) return { disable: decision.disable, error: result.error };
  return { error: result.error, nextAttemptAt: decision.at };
}

/** An error's name and code: enough to act on, nothing a message could quote (a URL, a secret). */
export function errorFields(error: unknown): Record<string, string> {
  if (!(error instanceof Error)) return { error: 'unknown' };
  const code = (error as NodeJS.ErrnoException).code;
  return { error: error.name, ...(typeof code === 'string' ? { code } : {}) };
}
