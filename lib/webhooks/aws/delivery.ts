import type { Logger } from '../../mail/logger.js';
import { type AttemptOptions, attemptDelivery, errorFields } from '../attempt-delivery.js';
import type { PollerWebhookRepository } from '../poller-repository.js';
import type { WebhookRecord } from '../repository.js';
import { delayUntil, parseWakeUp, type WakeUp, type WakeUpSender } from './wake-up.js';

/**
 * The queue-driven deliverer: for each wake-up message, take the webhook's
 * delivery lease, send its queued events head by head (each attempt and
 * its outcome recorded by the same code as the local deliverer), and leave
 * a wake-up behind for whatever is left: a head not due yet or a retry
 * (delayed to its time, at most SQS's 15 minutes), or more events than
 * this invocation's budget.
 *
 * A message that is not a wake-up is logged and dropped (retrying cannot
 * mend it); a webhook whose lease another invocation holds is dropped too
 * (that one sends on). A message whose processing failed on the store is
 * reported back so SQS delivers it again, and after the queue's
 * maxReceiveCount moves it to the dead-letter queue.
 */

/** What the handler reads of an SQS record. */
export interface SqsRecordLike {
  messageId: string;
  body: string;
}

export interface SqsBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

export const DEFAULT_DELIVERY_CONCURRENCY = 8;
/** Events one invocation sends per webhook before leaving the rest to a new wake-up. */
export const DEFAULT_EVENTS_PER_WEBHOOK = 100;
/** Stop starting attempts when less than this remains: an attempt may take 10 s, then its outcome is recorded. */
export const DEFAULT_DELIVERY_MARGIN_MS = 15_000;

export interface DeliverBatchOptions extends Omit<AttemptOptions, 'repository' | 'logger'> {
  repository: PollerWebhookRepository;
  wakeUps: WakeUpSender;
  logger: Logger;
  /** Who holds the leases this invocation takes (the invocation's request id). */
  owner: string;
  /** The invocation's remaining time (Lambda's `getRemainingTimeInMillis`). */
  remainingMs: () => number;
  marginMs?: number;
  eventsPerWebhook?: number;
  /** Webhooks served at once. */
  concurrency?: number;
}

/** Handles one batch of SQS records; the answer names the records SQS should deliver again. */
export async function deliverBatch(
  records: readonly SqsRecordLike[],
  options: DeliverBatchOptions,
): Promise<SqsBatchResponse> {
  const { logger } = options;
  const concurrency = options.concurrency ?? DEFAULT_DELIVERY_CONCURRENCY;
  // Several messages for one webhook are served once; they succeed or fail together.
  const groups = new Map<string, { wakeUp: WakeUp; messageIds: string[] }>();
  for (const record of records) {
    const wakeUp = parseWakeUp(record.body);
    if (wakeUp === undefined) {
      logger.warn('webhook queue message dropped: not a wake-up', {
        messageId: record.messageId,
        code: 'invalid_message',
      });
      continue;
    }
    const key = `${wakeUp.account}\u0000${wakeUp.webhookId}`;
    const group = groups.get(key);
    if (group) group.messageIds.push(record.messageId);
    else groups.set(key, { wakeUp, messageIds: [record.messageId] });
  }
  const failures: string[] = [];
  const pending = [...groups.values()];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pending.length) {
      const group = pending[next++] as { wakeUp: WakeUp; messageIds: string[] };
      try {
        await deliverWebhook(group.wakeUp, options);
      } catch (error) {
        failures.push(...group.messageIds);
        logger.error('webhook wake-up failed; the queue delivers it again', {
          account: group.wakeUp.account,
          webhook: group.wakeUp.webhookId,
          messageIds: group.messageIds,
          ...errorFields(error),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, pending.length) }, worker));
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
}

/**
 * Serves one webhook under its lease. The webhook is read again before
 * every head, so a PATCH (a new URL, disabling) or
 * a delete takes effect from the next event on. A wake-up for the rest is
 * sent only after the lease is given back, so the invocation it wakes finds
 * the lease free.
 * @throws when the store or the queue failed: the message should come back.
 */
export async function deliverWebhook(wakeUp: WakeUp, options: DeliverBatchOptions): Promise<void> {
  const { repository, owner } = options;
  const now = options.now;
  const marginMs = options.marginMs ?? DEFAULT_DELIVERY_MARGIN_MS;
  const budget = options.eventsPerWebhook ?? DEFAULT_EVENTS_PER_WEBHOOK;
  const logger = options.logger.child({ account: wakeUp.account, webhook: wakeUp.webhookId });
  const servable = (webhook: WebhookRecord | undefined): webhook is WebhookRecord => {
    if (webhook === undefined) {
      logger.info('webhook wake-up dropped: no such webhook');
      return false;
    }
    if (webhook.status === 'disabled') {
      logger.info('webhook wake-up dropped: the webhook is disabled');
      return false;
    }
    return true;
  };
  let webhook = await repository.get(wakeUp.account, wakeUp.webhookId);
  if (!servable(webhook)) return;
  // The lease lasts as long as this invocation can; a crashed holder's lease ends with it.
  const until = new Date(now().getTime() + Math.max(0, options.remainingMs()) + 1_000);
  if (!(await repository.acquireDeliveryLease(webhook.id, owner, until))) {
    logger.info('webhook wake-up dropped: another invocation holds the delivery lease');
    return;
  }
  /** The delay of the wake-up to leave for what is left, sent once the lease is given back. */
  let again: number | undefined;
  try {
    let sent = 0;
    for (;;) {
      if (sent > 0) {
        // The record may have changed since the last head (a PATCH, a delete).
        webhook = await repository.get(wakeUp.account, wakeUp.webhookId);
        if (!servable(webhook)) return;
      }
      const [head] = await repository.listQueued(webhook.id, 1);
      if (head === undefined) return;
      if (sent >= budget || options.remainingMs() < marginMs) {
        // What is left goes to the next invocation.
        again = 0;
        logger.info('webhook delivery continues in another invocation', { sent });
        return;
      }
      const at = now();
      if (head.nextAttemptAt !== null && Date.parse(head.nextAttemptAt) > at.getTime()) {
        again = delayUntil(new Date(head.nextAttemptAt), at);
        return;
      }
      const result = await attemptDelivery({ webhook, queued: head }, { ...options, repository, logger });
      sent += 1;
      if (result.outcome === 'retry') {
        again = delayUntil(result.retryAt, now());
        return;
      }
      if (result.outcome === 'disabled') return;
    }
  } finally {
    await repository.releaseDeliveryLease(wakeUp.webhookId, owner).catch((error: unknown) => {
      // It expires with the invocation anyway.
      logger.warn('webhook delivery lease could not be released', errorFields(error));
    });
    // Not reached when the store threw: the message then comes back from the queue as it is.
    if (again !== undefined) await options.wakeUps.send([wakeUp], again);
  }
}
