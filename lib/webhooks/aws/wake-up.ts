import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ACCOUNT_ID_PATTERN } from '../../credentials/account.js';
import { isWebhookId } from '../repository.js';

/**
 * The delivery queue's messages. A message only names a webhook whose queue
 * (in the store) may hold an event to send; the events, their order and
 * their retry state stay in the store. A lost message costs a wake-up (the
 * poller sends one for every webhook whose head is due), a repeated one is
 * dropped by the delivery lease or finds nothing due.
 */
export interface WakeUp {
  account: string;
  webhookId: string;
}

/** SQS's limits: a delay is at most 15 minutes; a batch at most 10 messages. */
export const MAX_DELAY_SECONDS = 900;
export const MAX_BATCH = 10;

/** A wake-up message is a few dozen bytes; anything longer is not one (read no further). */
const MAX_BODY_CHARS = 1024;

/** Sends wake-ups to the delivery queue. */
export interface WakeUpSender {
  /**
   * Sends one message per wake-up, visible after `delaySeconds` (0–900, default 0).
   * @throws when the queue refused any of them after one retry of those.
   */
  send(wakeUps: readonly WakeUp[], delaySeconds?: number): Promise<void>;
}

/** A wake-up's body. */
export function wakeUpBody(wakeUp: WakeUp): string {
  return JSON.stringify({ account: wakeUp.account, webhookId: wakeUp.webhookId });
}

/** The wake-up a message body holds, or undefined when it is not one (malformed, too long, bad ids). */
export function parseWakeUp(body: unknown): WakeUp | undefined {
  if (typeof body !== 'string' || body.length > MAX_BODY_CHARS) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { account, webhookId } = value as Record<string, unknown>;
  if (typeof account !== 'string' || !ACCOUNT_ID_PATTERN.test(account)) return undefined;
  if (typeof webhookId !== 'string' || !isWebhookId(webhookId)) return undefined;
  return { account, webhookId };
}

/** Seconds until `at` as SQS takes them: rounded up, 0 for a time past, at most 900. */
export function delayUntil(at: Date, now: Date): number {
  const seconds = Math.ceil((at.getTime() - now.getTime()) / 1000);
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, seconds));
}

/** Drops repeated webhooks, keeping the first of each. */
export function distinctWakeUps(wakeUps: readonly WakeUp[]): WakeUp[] {
  const seen = new Set<string>();
  return wakeUps.filter((each) => {
    if (seen.has(each.webhookId)) return false;
    seen.add(each.webhookId);
    return true;
  });
}

export class WakeUpSendError extends Error {
  constructor(
    readonly failed: number,
    readonly codes: string[],
  ) {
    super(`${failed} wake-up message(s) were refused by the queue (${codes.join(', ')})`);
    this.name = 'WakeUpSendError';
  }
}

/** The SQS sender: SendMessageBatch, 10 messages a call; entries the queue refused are sent once more. */
export function createSqsWakeUpSender(options: { client: SQSClient; queueUrl: string }): WakeUpSender {
  const { client, queueUrl } = options;
  const sendBatch = async (entries: SendMessageBatchRequestEntry[]): Promise<void> => {
    let pending = entries;
    let codes: string[] = [];
    for (let round = 0; round < 2 && pending.length > 0; round += 1) {
      const answer = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
      const failed = new Set((answer.Failed ?? []).map((entry) => entry.Id));
      codes = (answer.Failed ?? []).map((entry) => entry.Code ?? 'unknown');
      // A sender's fault (a malformed entry) will not pass a second time either.
      const retry = (answer.Failed ?? []).some((entry) => entry.SenderFault === true) ? 0 : 1;
      pending = pending.filter((entry) => failed.has(entry.Id));
      if (round >= retry) break;
    }
    if (pending.length > 0) throw new WakeUpSendError(pending.length, [...new Set(codes)]);
  };
  return {
    async send(wakeUps, delaySeconds = 0) {
      if (!(Number.isInteger(delaySeconds) && delaySeconds >= 0 && delaySeconds <= MAX_DELAY_SECONDS)) {
        throw new RangeError('delaySeconds must be a whole number from 0 to 900');
      }
      const entries = distinctWakeUps(wakeUps).map((wakeUp, index) => ({
        Id: String(index),
        MessageBody: wakeUpBody(wakeUp),
        ...(delaySeconds > 0 ? { DelaySeconds: delaySeconds } : {}),
      }));
      const batches: Array<Promise<void>> = [];
      for (let start = 0; start < entries.length; start += MAX_BATCH) {
        batches.push(sendBatch(entries.slice(start, start + MAX_BATCH)));
      }
      const results = await Promise.allSettled(batches);
      const rejected = results.find((result) => result.status === 'rejected');
      if (rejected) throw rejected.reason;
    },
  };
}
