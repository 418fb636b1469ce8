import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { deliverWebhook } from '../../../lib/webhooks/aws/delivery.js';
import type { WakeUp, WakeUpSender } from '../../../lib/webhooks/aws/wake-up.js';
import { createDynamoWebhookRepository } from '../../../lib/webhooks/dynamo/index.js';
import { createEvent, type WebhookEvent } from '../../../lib/webhooks/events.js';
import type { PollerWebhookRepository } from '../../../lib/webhooks/poller-repository.js';
import type { WebhookRecord } from '../../../lib/webhooks/repository.js';
import { createWebhookSecret } from '../../../lib/webhooks/signing.js';
import { type DynaliteHandle, startDynalite } from '../../support/dynalite.js';
import { type Receiver, startReceiver } from '../../unit/webhooks/receiver.js';
import { recordingLogger } from './aws-kit.js';

/**
 * The queue-driven deliverer serving one webhook (deliverWebhook) over the
 * DynamoDB table (the real client against dynalite) and loopback
 * receivers: it follows the webhook record as it changes between heads,
 * and gives its lease back before it leaves a wake-up for the rest.
 */

const ACCOUNT = 'acc_aws_order';

let dynalite: DynaliteHandle;
let repository: PollerWebhookRepository;
let first: Receiver;
let second: Receiver;
let clockMs: number;
const now = () => new Date(clockMs);

beforeAll(async () => {
  dynalite = await startDynalite();
});

afterAll(async () => {
  await dynalite?.close();
});

beforeEach(async () => {
  clockMs = Date.now();
  const tableName = `webhooks-${randomUUID()}`;
  await dynalite.createTable(tableName);
  repository = createDynamoWebhookRepository({ client: dynalite.client, tableName, now });
  [first, second] = await Promise.all([startReceiver(), startReceiver()]);
});

afterEach(async () => {
  await Promise.all([first.close(), second.close()]);
});

/** The store and the queue, recording the calls the deliverer makes in one sequence. */
function recorded(calls: string[], onDelivered?: (count: number) => Promise<void>) {
  let delivered = 0;
  const store = new Proxy(repository, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        calls.push(String(property));
        const result = await value.apply(target, args);
        if (property === 'markDelivered') {
          delivered += 1;
          await onDelivered?.(delivered);
        }
        return result;
      };
    },
  });
  const sent: Array<{ wakeUps: readonly WakeUp[]; delaySeconds: number }> = [];
  const wakeUps: WakeUpSender = {
    async send(list, delaySeconds = 0) {
      calls.push(`send(${delaySeconds})`);
      sent.push({ wakeUps: list, delaySeconds });
    },
  };
  return { store, wakeUps, sent };
}

function options(
  store: PollerWebhookRepository,
  wakeUps: WakeUpSender,
  extra: { remainingMs?: number; eventsPerWebhook?: number } = {},
) {
  return {
    repository: store,
    wakeUps,
    logger: recordingLogger(),
    owner: randomUUID(),
    remainingMs: () => extra.remainingMs ?? 60_000,
    marginMs: 2_000,
    ...(extra.eventsPerWebhook === undefined ? {} : { eventsPerWebhook: extra.eventsPerWebhook }),
    allowPrivate: true,
    now,
    random: () => 0.5,
  };
}

async function createWebhook(url: string): Promise<WebhookRecord> {
  return repository.create({
    account: ACCOUNT,
    url,
    mailboxes: ['~inbox'],
    events: ['message.created'],
    secret: createWebhookSecret(),
  });
}

function pings(webhook: WebhookRecord, count: number): WebhookEvent[] {
  return Array.from({ length: count }, () =>
    createEvent('ping', { account: ACCOUNT, webhook: webhook.id }, now()),
  );
}

const ids = (receiver: Receiver) => receiver.requests.map((request) => String(request.headers['webhook-id']));

describe('the delivery function follows the webhook record between heads', () => {
  test('a URL changed after the first head sends the second head to the new URL', async () => {
    const webhook = await createWebhook(first.url('/one'));
    const events = pings(webhook, 3);
    await repository.enqueue(webhook.id, events);
    const calls: string[] = [];
    const { store, wakeUps } = recorded(calls, async (count) => {
      if (count === 1) await repository.update(ACCOUNT, webhook.id, { url: second.url('/two') });
    });
    await deliverWebhook({ account: ACCOUNT, webhookId: webhook.id }, options(store, wakeUps));
    expect(ids(first)).toEqual([events[0]!.id]);
    expect(ids(second)).toEqual([events[1]!.id, events[2]!.id]);
    expect(second.requests.map((request) => request.path)).toEqual(['/two', '/two']);
    expect(await repository.listQueued(webhook.id, 10)).toEqual([]);
  });

  test('a webhook disabled after the first head sends nothing more; its events stay queued', async () => {
    const webhook = await createWebhook(first.url('/one'));
    const events = pings(webhook, 3);
    await repository.enqueue(webhook.id, events);
    const calls: string[] = [];
    const { store, wakeUps, sent } = recorded(calls, async (count) => {
      if (count === 1) {
        await repository.update(ACCOUNT, webhook.id, {
          status: 'disabled',
          disabledReason: 'Disabled by the client.',
        });
      }
    });
    await deliverWebhook({ account: ACCOUNT, webhookId: webhook.id }, options(store, wakeUps));
    expect(ids(first)).toEqual([events[0]!.id]);
    expect((await repository.listQueued(webhook.id, 10)).map((entry) => entry.event.id)).toEqual(
      events.slice(1).map((event) => event.id),
    );
    expect(sent).toEqual([]);
    // The lease was given back.
    expect(calls.at(-1)).toBe('releaseDeliveryLease');
  });

  test('a webhook deleted after the first head sends nothing more', async () => {
    const webhook = await createWebhook(first.url('/one'));
    const events = pings(webhook, 2);
    await repository.enqueue(webhook.id, events);
    const calls: string[] = [];
    const { store, wakeUps, sent } = recorded(calls, async (count) => {
      if (count === 1) await repository.delete(ACCOUNT, webhook.id);
    });
    await deliverWebhook({ account: ACCOUNT, webhookId: webhook.id }, options(store, wakeUps));
    expect(ids(first)).toEqual([events[0]!.id]);
    expect(sent).toEqual([]);
  });
});

describe('the lease is given back before a wake-up is left for the rest', () => {
  test('past the budget: release, then the wake-up', async () => {
    const webhook = await createWebhook(first.url('/one'));
    await repository.enqueue(webhook.id, pings(webhook, 3));
    const calls: string[] = [];
    const { store, wakeUps } = recorded(calls);
    await deliverWebhook(
      { account: ACCOUNT, webhookId: webhook.id },
      options(store, wakeUps, { eventsPerWebhook: 2 }),
    );
    expect(first.requests).toHaveLength(2);
    expect(calls.slice(-2)).toEqual(['releaseDeliveryLease', 'send(0)']);
  });

  test('less than the margin left: release, then the wake-up', async () => {
    const webhook = await createWebhook(first.url('/one'));
    await repository.enqueue(webhook.id, pings(webhook, 1));
    const calls: string[] = [];
    const { store, wakeUps } = recorded(calls);
    await deliverWebhook(
      { account: ACCOUNT, webhookId: webhook.id },
      options(store, wakeUps, { remainingMs: 1_500 }),
    );
    expect(first.requests).toEqual([]);
    expect(calls.slice(-2)).toEqual(['releaseDeliveryLease', 'send(0)']);
  });

  test('a failed attempt: release, then the wake-up delayed to the retry', async () => {
    first.handle = (_request, response) => {
      response.statusCode = 503;
      response.end();
    };
    const webhook = await createWebhook(first.url('/one'));
    await repository.enqueue(webhook.id, pings(webhook, 1));
    const calls: string[] = [];
    const { store, wakeUps, sent } = recorded(calls);
    await deliverWebhook({ account: ACCOUNT, webhookId: webhook.id }, options(store, wakeUps));
    expect(first.requests).toHaveLength(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.delaySeconds).toBeGreaterThan(0);
    expect(calls.slice(-2)).toEqual(['releaseDeliveryLease', `send(${sent[0]!.delaySeconds})`]);
  });

  test('a head not due yet: release, then the wake-up delayed to it; a due one is sent at once by the next', async () => {
    first.handle = (_request, response) => {
      response.statusCode = 503;
      response.end();
    };
    const webhook = await createWebhook(first.url('/one'));
    await repository.enqueue(webhook.id, pings(webhook, 1));
    await deliverWebhook(
      { account: ACCOUNT, webhookId: webhook.id },
      options(recorded([]).store, recorded([]).wakeUps),
    );
    const calls: string[] = [];
    const { store, wakeUps, sent } = recorded(calls);
    await deliverWebhook({ account: ACCOUNT, webhookId: webhook.id }, options(store, wakeUps));
    expect(first.requests).toHaveLength(1);
    expect(sent).toHaveLength(1);
    expect(calls.slice(-2)).toEqual(['releaseDeliveryLease', `send(${sent[0]!.delaySeconds})`]);
  });
});
