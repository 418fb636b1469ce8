import { describe, expect, test } from 'vitest';
import {
  createSqsWakeUpSender,
  delayUntil,
  parseWakeUp,
  WakeUpSendError,
  wakeUpBody,
} from '../../../lib/webhooks/aws/wake-up.js';
import { createSqsCapture } from './aws-kit.js';

const ID = 'wh_0123456789abcdef01234567';

describe('wake-up messages', () => {
  test('a body is the account and the webhook; anything else is not a wake-up', () => {
    const body = wakeUpBody({ account: 'acme', webhookId: ID });
    expect(JSON.parse(body)).toEqual({ account: 'acme', webhookId: ID });
    expect(parseWakeUp(body)).toEqual({ account: 'acme', webhookId: ID });
    // Extra fields are ignored, not carried.
    expect(parseWakeUp(JSON.stringify({ account: 'acme', webhookId: ID, url: 'x' }))).toEqual({
      account: 'acme',
      webhookId: ID,
    });
    for (const bad of [
      'not json',
      '[]',
      'null',
      '"text"',
      JSON.stringify({ account: 'acme' }),
      JSON.stringify({ account: 'acme', webhookId: 'wh_short' }),
      JSON.stringify({ account: '../etc', webhookId: ID }),
      JSON.stringify({ account: 7, webhookId: ID }),
      JSON.stringify({ account: 'acme', webhookId: ID, padding: 'x'.repeat(2000) }),
    ]) {
      expect(parseWakeUp(bad), bad.slice(0, 40)).toBeUndefined();
    }
    expect(parseWakeUp(undefined)).toBeUndefined();
  });

  test('a delay is whole seconds rounded up, never below 0 nor above SQS’s 900', () => {
    const now = new Date('2026-12-03T10:00:00.000Z');
    expect(delayUntil(new Date(now.getTime() + 4_001), now)).toBe(5);
    expect(delayUntil(new Date(now.getTime() + 5_000), now)).toBe(5);
    expect(delayUntil(new Date(now.getTime() - 1_000), now)).toBe(0);
    expect(delayUntil(new Date(now.getTime() + 3_600_000), now)).toBe(900);
  });
});

describe('the SQS sender', () => {
  test('sends each webhook once, ten messages a SendMessageBatch, with the delay asked for', async () => {
    const sqs = createSqsCapture();
    const sender = createSqsWakeUpSender({ client: sqs.client, queueUrl: sqs.queueUrl });
    const wakeUps = Array.from({ length: 23 }, (_, i) => ({
      account: `acc${i}`,
      webhookId: `wh_${String(i).padStart(24, '0')}`,
    }));
    await sender.send([...wakeUps, wakeUps[0]!, wakeUps[5]!]);
    expect(sqs.operations).toEqual(['SendMessageBatch', 'SendMessageBatch', 'SendMessageBatch']);
    const sent = sqs.take();
    expect(sent.map((message) => parseWakeUp(message.body))).toEqual(expect.arrayContaining(wakeUps));
    expect(sent).toHaveLength(23);
    expect([0, 1, 2].map((call) => sent.filter((message) => message.call === call).length).sort()).toEqual([
      10, 10, 3,
    ]);
    expect(sent.every((message) => message.delaySeconds === 0)).toBe(true);

    await sender.send([wakeUps[0]!], 120);
    expect(sqs.take()).toMatchObject([{ delaySeconds: 120 }]);
    await expect(sender.send([wakeUps[0]!], 901)).rejects.toThrow(RangeError);
    await expect(sender.send([wakeUps[0]!], 1.5)).rejects.toThrow(RangeError);
  });

  test('entries the queue refused are sent once more; refused again, the send fails with their count', async () => {
    const sqs = createSqsCapture();
    const sender = createSqsWakeUpSender({ client: sqs.client, queueUrl: sqs.queueUrl });
    const wakeUps = Array.from({ length: 4 }, (_, i) => ({
      account: 'acme',
      webhookId: `wh_${String(i).padStart(24, '0')}`,
    }));
    sqs.failNextEntries(2);
    await sender.send(wakeUps);
    expect(sqs.calls()).toBe(2);
    expect(
      sqs
        .take()
        .map((message) => parseWakeUp(message.body)?.webhookId)
        .sort(),
    ).toEqual(wakeUps.map((each) => each.webhookId));

    sqs.failNextEntries(3);
    const failed = await sender.send(wakeUps.slice(0, 2)).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(WakeUpSendError);
    expect((failed as WakeUpSendError).failed).toBe(1);

    sqs.failNextCalls(1);
    await expect(sender.send(wakeUps.slice(0, 1))).rejects.toThrow();
  });
});
