import type { WebhookRecord, WebhookRepository } from './repository.js';

/**
 * What the AWS side needs of the store beyond the port (repository.ts):
 * the scheduled poller shards the active webhooks across invocations, and
 * the delivery function, woken by queue messages, must be the only one
 * sending a webhook's events at a time. The DynamoDB adapter implements
 * it; the local server needs none of it (one process, one deliverer).
 *
 * Events stay in the store's per-webhook queue (committed with the cursor,
 * see `commitChanges`); a queue message only says which webhook has events
 * to send, so order, the compare-and-set and the retry state live in one
 * place, and a lost or repeated message costs a wake-up, never an event.
 */
export interface PollerWebhookRepository extends WebhookRepository {
  /**
   * The webhooks that are not disabled in segment `segment` of `segments`
   * (0 ≤ segment < segments ≤ 1000), each with when its queue's head is
   * due. Every webhook of one account falls in the same segment, so one
   * invocation holds all of an account's connections and can keep them
   * under its cap. Segments together are `listActive()`.
   */
  listActiveSegment(segment: number, segments: number): Promise<ActiveWebhook[]>;
  /**
   * Takes the webhook's delivery lease for `owner` until `until`, if no
   * other owner holds one that has not expired. False when held elsewhere
   * or the webhook is gone. Taking it again as the same owner extends it.
   */
  acquireDeliveryLease(webhookId: string, owner: string, until: Date): Promise<boolean>;
  /** Gives the lease back if `owner` holds it; otherwise nothing. */
  releaseDeliveryLease(webhookId: string, owner: string): Promise<void>;
}

export interface ActiveWebhook {
  webhook: WebhookRecord;
  /**
   * ISO 8601: when the head of its queue is due (now or past when it has
   * never failed); null when its queue is empty.
   */
  headDueAt: string | null;
}
