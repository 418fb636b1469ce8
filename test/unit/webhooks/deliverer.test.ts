import { mkdtemp, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { LogFields, Logger } from '../../../lib/mail/logger.js';
import { type Deliverer, type DelivererOptions, startDeliverer } from '../../../lib/webhooks/deliverer.js';
import { eventPayload, type WebhookEvent } from '../../../lib/webhooks/events.js';
import { type LocalWebhookStore, openLocalWebhookStore } from '../../../lib/webhooks/local-store/index.js';
import type { WebhookRecord } from '../../../lib/webhooks/repository.js';
import { type Received, type Receiver, startReceiver } from './receiver.js';
import { buildCreated, buildNewWebhook } from './store-builders.js';

let root: string;
let directory: string;
let store: LocalWebhookStore;
let clockMs: number;
const now = () => new Date(clockMs);
let receivers: Receiver[];
let deliverers: Deliverer[];
let lines: Array<{ level: string; message: string; fields: LogFields }>;

const logger: Logger = {
  debug: (message, fields = {}) => lines.push({ level: 'debug', message, fields }),
  info: (message, fields = {}) => lines.push({ level: 'info', message, fields }),
  warn: (message, fields = {}) => lines.push({ level: 'warn', message, fields }),
  error: (message, fields = {}) => lines.push({ level: 'error', message, fields }),
  child: () => logger,
};

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'mailgate-deliverer-'));
  directory = join(root, 'webhooks');
  clockMs = Date.now();
  store = await openLocalWebhookStore({ directory, now });
  receivers = [];
  deliverers = [];
  lines = [];
});

afterEach(async () => {
  await Promise.all(deliverers.map((deliverer) => deliverer.stop()));
  await Promise.all(receivers.map((receiver) => receiver.close()));
  await store.close().catch(() => {});
  await rm(root, { recursive: true, force: true });
});

async function receiver(): Promise<Receiver> {
  const started = await startReceiver();
  receivers.push(started);
  return started;
}

/** A deliverer on the test's clock that only moves when told (`wake`), or after a minute. */
function start(options: Partial<DelivererOptions> = {}): Deliverer {
  const deliverer = startDeliverer({
    repository: store,
    allowPrivate: true,
    now,
    random: () => 0.5,
    logger,
    pollMs: 60_000,
    ...options,
  });
  deliverers.push(deliverer);
  return deliverer;
}

async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function webhookFor(hook: Receiver, path = '/in?token=query-secret'): Promise<WebhookRecord> {
  return store.create(buildNewWebhook({ url: hook.url(path) }));
}

const queued = async (id: string) => (await store.listQueued(id, 100)).map((entry) => entry.event.id);
const ids = (requests: Received[]) => requests.map((request) => request.headers['webhook-id']);

/** Answers requests only when the test releases them. */
function holding(hook: Receiver): { release: () => void; waiting: () => number } {
  const held: ServerResponse[] = [];
  hook.handle = (_request, response) => held.push(response);
  return {
    release: () => {
      for (const response of held.splice(0)) response.writeHead(200).end();
      hook.handle = (_request, response) => response.writeHead(200).end();
    },
    waiting: () => held.length,
  };
}

function verify(secret: string, request: Received, event: WebhookEvent) {
  const body = new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
  expect(request.body).toBe(eventPayload(event));
  return body;
}

describe('the deliverer', () => {
  test('retries a failing receiver on the backoff schedule, then sends each event once, in order', async () => {
    const hook = await receiver();
    const answers: Array<{ id: string; status: number }> = [];
    hook.handle = (request, response) => {
      const status = answers.length < 3 ? 503 : 204;
      answers.push({ id: String(request.headers['webhook-id']), status });
      response.writeHead(status).end();
    };
    const webhook = await webhookFor(hook);
    const events = [buildCreated(1), buildCreated(2), buildCreated(3)];
    await store.enqueue(webhook.id, events);
    const deliverer = start();

    const delays: number[] = [];
    for (let failed = 1; failed <= 3; failed += 1) {
      await until(async () => (await store.listQueued(webhook.id, 1))[0]!.attempts === failed);
      // Only the head was tried; the others wait behind it.
      expect(ids(hook.requests)).toEqual(Array(failed).fill(events[0]!.id));
      const [head] = await store.listQueued(webhook.id, 1);
      const record = await store.get('acme', webhook.id);
      expect(record).toMatchObject({
        status: 'failing',
        lastError: 'The receiver answered 503.',
        nextRetryAt: head!.nextAttemptAt,
      });
      delays.push(Date.parse(head!.nextAttemptAt!) - clockMs);
      clockMs = Date.parse(head!.nextAttemptAt!);
      deliverer.wake();
    }
    expect(delays).toEqual([5_000, 30_000, 120_000]);

    await until(async () => (await queued(webhook.id)).length === 0);
    expect(ids(hook.requests)).toEqual([
      events[0]!.id,
      events[0]!.id,
      events[0]!.id,
      ...events.map((e) => e.id),
    ]);
    // Exactly one accepted delivery per event, in order.
    expect(answers.filter((answer) => answer.status === 204).map((answer) => answer.id)).toEqual(
      events.map((event) => event.id),
    );
    hook.requests.forEach((request, index) => {
      verify(webhook.secret, request, events[Math.max(0, index - 3)]!);
      // webhook-timestamp is the attempt's time, on the deliverer's clock.
      expect(Number(request.headers['webhook-timestamp']) * 1000).toBeLessThanOrEqual(clockMs);
    });
    expect(hook.requests.at(-1)!.headers['webhook-timestamp']).toBe(String(Math.floor(clockMs / 1000)));
    expect(await store.get('acme', webhook.id)).toMatchObject({ status: 'active', lastError: null });

    // One line per attempt, with ids, status and attempt; no secret, no URL.
    const attempts = lines.filter((line) => line.fields.event !== undefined);
    expect(attempts.map((line) => [line.fields.event, line.fields.attempt, line.fields.status])).toEqual([
      [events[0]!.id, 1, 503],
      [events[0]!.id, 2, 503],
      [events[0]!.id, 3, 503],
      [events[0]!.id, 4, 204],
      [events[1]!.id, 1, 204],
      [events[2]!.id, 1, 204],
    ]);
    expect(attempts.every((line) => line.fields.webhook === webhook.id)).toBe(true);
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain(webhook.secret);
    expect(logged).not.toContain('query-secret');
    expect(logged).not.toContain('127.0.0.1');
  });

  test('a 410 disables the webhook with the reason and keeps its queue', async () => {
    const hook = await receiver();
    hook.handle = (_request, response) => response.writeHead(410).end('gone');
    const webhook = await webhookFor(hook);
    const events = [buildCreated(1), buildCreated(2)];
    await store.enqueue(webhook.id, events);
    start();

    await until(async () => (await store.get('acme', webhook.id))!.status === 'disabled');
    expect(await store.get('acme', webhook.id)).toMatchObject({
      status: 'disabled',
      disabledReason: 'The receiver answered 410 Gone.',
      nextRetryAt: null,
    });
    expect(await queued(webhook.id)).toEqual(events.map((event) => event.id));
    expect((await store.listQueued(webhook.id, 1))[0]!.attempts).toBe(1);
    expect(ids(hook.requests)).toEqual([events[0]!.id]);
    expect(lines.find((line) => line.fields.event === events[0]!.id)).toMatchObject({
      level: 'warn',
      fields: { status: 410, attempt: 1, disabled: 'The receiver answered 410 Gone.' },
    });
  });

  test('a day of failures disables the webhook, keeping the queue', async () => {
    const hook = await receiver();
    hook.handle = (_request, response) => response.writeHead(500).end();
    const webhook = await webhookFor(hook);
    const event = buildCreated(1);
    await store.enqueue(webhook.id, [event]);
    const deliverer = start();
    await until(async () => (await store.listQueued(webhook.id, 1))[0]!.attempts === 1);
    clockMs += 24 * 3_600_000;
    deliverer.wake();
    await until(async () => (await store.get('acme', webhook.id))!.status === 'disabled');
    expect((await store.get('acme', webhook.id))!.disabledReason).toMatch(/^Deliveries failed for 24 hours/);
    expect(await queued(webhook.id)).toEqual([event.id]);
  });

  test('delivers to another webhook while one is slow, each webhook in order', async () => {
    const slow = await receiver();
    const slowHold = holding(slow);
    const fast = await receiver();
    const slowHook = await webhookFor(slow);
    const fastHook = await webhookFor(fast);
    const slowEvents = [buildCreated(1), buildCreated(2)];
    const fastEvents = [buildCreated(3), buildCreated(4)];
    await store.enqueue(slowHook.id, slowEvents);
    const deliverer = start();
    await until(() => slowHold.waiting() === 1);

    await store.enqueue(fastHook.id, fastEvents);
    deliverer.wake();
    await until(async () => (await queued(fastHook.id)).length === 0);
    expect(ids(fast.requests)).toEqual(fastEvents.map((event) => event.id));
    // The slow one's second event still waits behind its first.
    expect(ids(slow.requests)).toEqual([slowEvents[0]!.id]);
    expect(await queued(slowHook.id)).toEqual(slowEvents.map((event) => event.id));

    slowHold.release();
    await until(async () => (await queued(slowHook.id)).length === 0);
    expect(ids(slow.requests)).toEqual(slowEvents.map((event) => event.id));
  });

  test('never runs more deliveries at once than its concurrency', async () => {
    const slow = await receiver();
    const slowHold = holding(slow);
    const other = await receiver();
    const slowHook = await webhookFor(slow);
    const otherHook = await webhookFor(other);
    await store.enqueue(slowHook.id, [buildCreated(1)]);
    const deliverer = start({ concurrency: 1 });
    await until(() => slowHold.waiting() === 1);
    await store.enqueue(otherHook.id, [buildCreated(2)]);
    deliverer.wake();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(other.connections).toBe(0);
    slowHold.release();
    await until(async () => (await queued(otherHook.id)).length === 0);
    expect(await queued(slowHook.id)).toEqual([]);
  });

  test('stop() waits for the delivery in flight, records it and sends nothing more', async () => {
    const hook = await receiver();
    const hold = holding(hook);
    const webhook = await webhookFor(hook);
    const events = [buildCreated(1), buildCreated(2)];
    await store.enqueue(webhook.id, events);
    const deliverer = start();
    await until(() => hold.waiting() === 1);

    let stopped = false;
    const stopping = deliverer.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    hold.release();
    await stopping;
    expect(await queued(webhook.id)).toEqual([events[1]!.id]);

    deliverer.wake();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ids(hook.requests)).toEqual([events[0]!.id]);
    expect(hook.connections).toBe(1);
  });

  test('after a restart, an event whose delivery was in flight is sent again', async () => {
    const hook = await receiver();
    const hold = holding(hook);
    const webhook = await webhookFor(hook);
    const event = buildCreated(1);
    await store.enqueue(webhook.id, [event]);
    const first = start({ timeoutMs: 2_000 });
    await until(() => hold.waiting() === 1);

    // The process goes away mid-delivery: the store is gone before the outcome can be recorded.
    await store.close();
    await first.stop();
    expect(lines.some((line) => line.message.includes('could not be recorded'))).toBe(true);

    hook.handle = (_request, response) => response.writeHead(200).end();
    store = await openLocalWebhookStore({ directory, now });
    expect(await queued(webhook.id)).toEqual([event.id]);
    start();
    await until(async () => (await queued(webhook.id)).length === 0);
    expect(ids(hook.requests)).toEqual([event.id, event.id]);
    for (const request of hook.requests) verify(webhook.secret, request, event);
    expect(JSON.stringify(lines)).not.toContain(webhook.secret);
  });

  test('a store call that fails is logged without details and tried again', async () => {
    const hook = await receiver();
    const webhook = await webhookFor(hook);
    const event = buildCreated(1);
    await store.enqueue(webhook.id, [event]);
    let failures = 0;
    const flaky = new Proxy(store, {
      get(target, key) {
        if (key === 'nextDue') {
          return async (at: Date, limit: number) => {
            if (failures < 2) {
              failures += 1;
              throw new Error(`disk on fire near ${webhook.secret}`);
            }
            return target.nextDue(at, limit);
          };
        }
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    start({ repository: flaky, storeRetryMs: 20 });
    await until(async () => (await queued(webhook.id)).length === 0);
    expect(failures).toBe(2);
    expect(ids(hook.requests)).toEqual([event.id]);
    expect(lines.filter((line) => line.level === 'error')).toHaveLength(2);
    expect(JSON.stringify(lines)).not.toContain(webhook.secret);
  });
});
