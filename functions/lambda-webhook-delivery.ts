/**
 * Lambda entry point of the webhook delivery function, the consumer of the
 * delivery queue (SQS, ReportBatchItemFailures): each message names a
 * webhook whose queued events it sends (lib/webhooks/aws/delivery.ts).
 */
import { createDeliveryLambdaHandler } from '../lib/lambda/create-webhook-lambda-deps.js';

export const handler = createDeliveryLambdaHandler();
