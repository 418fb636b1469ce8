/**
 * Lambda entry point of the webhook poller, invoked every minute by
 * EventBridge Scheduler with `{segment, segments}` (one schedule per
 * segment): looks at the segment's watched mailboxes, queues their changes
 * as events and wakes the delivery function (lib/webhooks/aws/poller.ts).
 */
import { createPollerLambdaHandler } from '../lib/lambda/create-webhook-lambda-deps.js';

export const handler = createPollerLambdaHandler();
