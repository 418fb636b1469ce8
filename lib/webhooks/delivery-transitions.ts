import type { FailureOutcome, QueuedEvent, WebhookRecord } from './repository.js';

/**
 * What a delivery's outcome does to the head event and its webhook, as the
 * port promises it (repository.ts), for every adapter to apply the same way.
 * Pure: the time is passed in (ISO 8601).
 */

/** The fields of a webhook that deliveries change. */
export type WebhookStatusFields = Pick<
  WebhookRecord,
  'status' | 'lastError' | 'nextRetryAt' | 'disabledReason' | 'updatedAt'
>;

/** The fields of a queued event that a failure changes. */
export type HeadFailureFields = Pick<QueuedEvent, 'attempts' | 'firstFailureAt' | 'nextAttemptAt'>;

/** After the head is delivered: a `failing` webhook is `active` again; otherwise nothing changes (undefined). */
export function afterDelivery(record: WebhookRecord, at: string): WebhookStatusFields | undefined {
  if (record.status !== 'failing') return undefined;
  return {
    status: 'active',
    lastError: null,
    nextRetryAt: null,
    disabledReason: record.disabledReason,
    updatedAt: at,
  };
}

/**
 * After the head failed: the attempt is counted (the first failure's time
 * kept), and the webhook is `failing` until `nextAttemptAt`, or `disabled`
 * with the reason. A webhook disabled meanwhile (by hand) stays disabled.
 */
export function afterFailure(
  record: WebhookRecord,
  head: QueuedEvent,
  outcome: FailureOutcome,
  at: string,
): { head: HeadFailureFields; webhook: WebhookStatusFields } {
  const counted = { attempts: head.attempts + 1, firstFailureAt: head.firstFailureAt ?? at };
  if ('disable' in outcome) {
    return {
      head: { ...counted, nextAttemptAt: head.nextAttemptAt },
      webhook: {
        status: 'disabled',
        lastError: outcome.error ?? outcome.disable,
        nextRetryAt: null,
        disabledReason: outcome.disable,
        updatedAt: at,
      },
    };
  }
  const retryAt = outcome.nextAttemptAt.toISOString();
  const disabled = record.status === 'disabled';
  return {
    head: { ...counted, nextAttemptAt: retryAt },
    webhook: {
      status: disabled ? 'disabled' : 'failing',
      lastError: outcome.error,
      nextRetryAt: disabled ? null : retryAt,
      disabledReason: record.disabledReason,
      updatedAt: at,
    },
  };
}
