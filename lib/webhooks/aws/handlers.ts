import type { CredentialStore } from '../../credentials/store.js';
import type { Logger } from '../../mail/logger.js';
import type { MailStoreFactory } from '../../mail/store.js';
import type { AttemptOptions } from '../attempt-delivery.js';
import type { PollerWebhookRepository } from '../poller-repository.js';
import {
  type DeliverBatchOptions,
  deliverBatch,
  type SqsBatchResponse,
  type SqsRecordLike,
} from './delivery.js';
import { type PollSegmentOptions, type PollSegmentResult, pollSegment } from './poller.js';
import type { WakeUpSender } from './wake-up.js';

/**
 * The two webhook functions' handlers over their dependencies; the entry
 * points in functions/ build those from the environment
 * (lib/lambda/create-webhook-lambda-deps.ts), tests pass their own.
 */

/** What the handlers read of Lambda's context. */
export interface LambdaContextLike {
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

export interface WebhookFunctionDeps {
  repository: PollerWebhookRepository;
  wakeUps: WakeUpSender;
  logger: Logger;
  now?: () => Date;
}

export interface PollerDeps extends WebhookFunctionDeps {
  credentials: Pick<CredentialStore, 'getAccount'>;
  stores: MailStoreFactory;
  options?: Pick<PollSegmentOptions, 'marginMs' | 'connectionsPerAccount' | 'accountConcurrency'>;
}

export interface DeliveryDeps extends WebhookFunctionDeps {
  /** Loopback, private addresses and plain http: tests in-process only; the deployed function never allows them. */
  allowPrivate: boolean;
  random?: () => number;
  options?: Pick<DeliverBatchOptions, 'marginMs' | 'eventsPerWebhook' | 'concurrency'> &
    Pick<AttemptOptions, 'timeoutMs' | 'resolve' | 'ca'>;
}

/** The most segments a schedule may name (the store's limit). */
export const MAX_SEGMENTS = 1000;

/**
 * The segment an EventBridge Scheduler event names: `{segment, segments}`,
 * whole numbers with 0 ≤ segment < segments ≤ 1000.
 * @throws RangeError otherwise (the schedule is misconfigured: no retry mends it).
 */
export function parsePollerEvent(event: unknown): { segment: number; segments: number } {
  const { segment, segments } = (typeof event === 'object' && event !== null ? event : {}) as Record<
    string,
    unknown
  >;
  if (
    typeof segment !== 'number' ||
    typeof segments !== 'number' ||
    !Number.isInteger(segment) ||
    !Number.isInteger(segments) ||
    segment < 0 ||
    segments < 1 ||
    segment >= segments ||
    segments > MAX_SEGMENTS
  ) {
    throw new RangeError('the poller event must be {"segment": s, "segments": n} with 0 ≤ s < n ≤ 1000');
  }
  return { segment, segments };
}

/** The scheduled poller: one segment's mailboxes looked at, wake-ups sent. */
export function createPollerHandler(deps: PollerDeps) {
  return async (event: unknown, context: LambdaContextLike): Promise<PollSegmentResult> => {
    const { segment, segments } = parsePollerEvent(event);
    return pollSegment({
      repository: deps.repository,
      credentials: deps.credentials,
      stores: deps.stores,
      wakeUps: deps.wakeUps,
      logger: deps.logger.child({ invocation: context.awsRequestId }),
      segment,
      segments,
      remainingMs: () => context.getRemainingTimeInMillis(),
      ...(deps.now === undefined ? {} : { now: deps.now }),
      ...deps.options,
    });
  };
}

/** The delivery queue's consumer (ReportBatchItemFailures). */
export function createDeliveryHandler(deps: DeliveryDeps) {
  return async (
    event: { Records?: SqsRecordLike[] },
    context: LambdaContextLike,
  ): Promise<SqsBatchResponse> =>
    deliverBatch(event.Records ?? [], {
      repository: deps.repository,
      wakeUps: deps.wakeUps,
      logger: deps.logger.child({ invocation: context.awsRequestId }),
      owner: context.awsRequestId,
      remainingMs: () => context.getRemainingTimeInMillis(),
      allowPrivate: deps.allowPrivate,
      now: deps.now ?? (() => new Date()),
      random: deps.random ?? Math.random,
      ...deps.options,
    });
}
