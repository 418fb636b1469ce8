import type { Logger } from '../mail/logger.js';
import { silentLogger } from '../mail/logger.js';
import { type AttemptOptions, attemptDelivery, errorFields } from './attempt-delivery.js';
import type { DeliveryOptions } from './deliver.js';
import type { DueDelivery, WebhookRepository } from './repository.js';

/**
 * The deliverer: the loop that sends queued events. It asks the store for
 * the head event of every webhook that is due (`nextDue`: one event per
 * webhook, so a webhook's events go out strictly in order, one at a time),
 * delivers up to `concurrency` of them at once (different webhooks in
 * parallel), and records each outcome (`markDelivered`, or `markFailed`
 * with the next attempt's time from `nextRetry`, or the reason to disable).
 * Between rounds it sleeps until the earliest retry it scheduled, a
 * `wake()` (the watcher calls it after queueing) or `pollMs`, whichever
 * comes first.
 *
 * At least once: an event leaves the queue only after its receiver answered
 * 2xx and `markDelivered` resolved; a process stopped between the two sends
 * it again after a restart (receivers deduplicate by `webhook-id`).
 * One deliverer per store (the store leases nothing).
 *
 * It never throws out of its loop: a store call that fails is logged and
 * tried again later. Its logs carry ids, statuses and the delivery's fixed
 * failure phrases: never a secret, never the URL.
 */

/** After a store call failed, wait this long before asking again. */
export const DEFAULT_STORE_RETRY_MS = 5_000;

export interface DelivererOptions {
  repository: WebhookRepository;
  /** Allow loopback, private addresses and plain http (`MAILGATE_WEBHOOK_ALLOW_PRIVATE`). */
  allowPrivate: boolean;
  /** The clock for due times, failures and `webhook-timestamp`. */
  now?: () => Date;
  /** In [0, 1): the retry jitter. */
  random?: () => number;
  logger?: Logger;
  /** Deliveries at once (each to a different webhook). */
  concurrency?: number;
  /** The longest sleep between two looks at the queue. */
  pollMs: number;
  /** How long to wait after a store call failed before trying again. */
  storeRetryMs?: number;
  /** Per attempt (deliver.ts's default: 10 s). */
  timeoutMs?: DeliveryOptions['timeoutMs'];
  resolve?: DeliveryOptions['resolve'];
  ca?: DeliveryOptions['ca'];
}

export interface Deliverer {
  /** Look at the queue now (events were queued, or a webhook re-enabled). */
  wake(): void;
  /** Starts nothing more; resolves once the deliveries in flight have finished and been recorded. */
  stop(): Promise<void>;
}

export function startDeliverer(options: DelivererOptions): Deliverer {
  const repository = options.repository;
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const concurrency = options.concurrency ?? 8;
  const pollMs = options.pollMs;
  const storeRetryMs = options.storeRetryMs ?? DEFAULT_STORE_RETRY_MS;
  if (!(Number.isSafeInteger(concurrency) && concurrency >= 1)) {
    throw new RangeError('concurrency must be a whole number ≥ 1');
  }
  if (!(Number.isFinite(pollMs) && pollMs > 0)) throw new RangeError('pollMs must be a number of ms above 0');
  if (!(Number.isFinite(storeRetryMs) && storeRetryMs >= 0)) {
    throw new RangeError('storeRetryMs must be a number of ms ≥ 0');
  }

  const attemptOptions: AttemptOptions = {
    repository,
    allowPrivate: options.allowPrivate,
    now,
    random,
    logger,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  };

  /** Webhook id → the delivery in flight to it. */
  const inFlight = new Map<string, Promise<void>>();
  /** Webhook id → when its head is tried again, as scheduled here (ms since the epoch). */
  const retries = new Map<string, number>();
  /**
   * Pauses after a store call failed, on the process's monotonic clock (not
   * `now`, which is the events' clock): webhook id → not before then, as
   * recording its last outcome failed; and the whole queue, as `nextDue` failed.
   */
  const held = new Map<string, number>();
  let storeBlockedUntil = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pumping: Promise<void> | undefined;
  let again = false;

  const pump = (): void => {
    if (stopped) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = (async () => {
      do {
        again = false;
        await fill();
      } while (again && !stopped);
    })()
      .catch((error: unknown) => logger.error('webhook deliverer round failed', errorFields(error)))
      .finally(() => {
        pumping = undefined;
        schedule();
      });
  };

  /** One look at the queue: starts what is due, up to the free slots. */
  const fill = async (): Promise<void> => {
    const free = concurrency - inFlight.size;
    if (free <= 0 || stopped) return;
    const at = now();
    const lookedAt = performance.now();
    let due: DueDelivery[];
    try {
      // Heads in flight come back too (they are not recorded yet): ask for enough to fill every free slot.
      due = await repository.nextDue(at, free + inFlight.size);
    } catch (error) {
      storeBlockedUntil = performance.now() + storeRetryMs;
      logger.error('webhook queue could not be read; trying again later', errorFields(error));
      return;
    }
    storeBlockedUntil = 0;
    // What this look has seen needs no wake-up of its own: started now, or no longer due (delivered, deleted, disabled).
    for (const [id, retryAt] of retries) if (retryAt <= at.getTime()) retries.delete(id);
    for (const [id, until] of held) if (until <= lookedAt) held.delete(id);
    let started = 0;
    for (const delivery of due) {
      if (stopped || started >= free) break;
      const id = delivery.webhook.id;
      if (inFlight.has(id) || held.has(id)) continue;
      started += 1;
      const running = send(delivery).finally(() => {
        inFlight.delete(id);
        pump();
      });
      inFlight.set(id, running);
    }
  };

  /** One attempt of one webhook's head event, and its outcome recorded. Never rejects. */
  const send = async (delivery: DueDelivery): Promise<void> => {
    const { webhook, queued } = delivery;
    try {
      const result = await attemptDelivery(delivery, attemptOptions);
      if (result.outcome === 'retry') retries.set(webhook.id, result.retryAt.getTime());
    } catch (error) {
      // Not recorded: the event stays at the head and is sent again (at least once), after a pause.
      held.set(webhook.id, performance.now() + storeRetryMs);
      logger.error('webhook delivery outcome could not be recorded; it will be sent again', {
        webhook: webhook.id,
        event: queued.event.id,
        attempt: queued.attempts + 1,
        ...errorFields(error),
      });
    }
  };

  /** Sleeps until the earliest retry scheduled here, the end of a pause after a store failure, or `pollMs`. */
  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (stopped) return;
    const current = now().getTime();
    const mono = performance.now();
    let delay = pollMs;
    if (storeBlockedUntil > 0) delay = Math.min(delay, storeBlockedUntil - mono);
    else {
      for (const retryAt of retries.values()) delay = Math.min(delay, retryAt - current);
      for (const until of held.values()) delay = Math.min(delay, until - mono);
    }
    timer = setTimeout(pump, Math.max(0, Math.ceil(delay)));
    timer.unref();
  };

  pump();

  return {
    wake: pump,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      while (pumping || inFlight.size > 0) {
        await pumping;
        await Promise.all(inFlight.values());
      }
    },
  };
}

export { failureOutcome } from './attempt-delivery.js';
