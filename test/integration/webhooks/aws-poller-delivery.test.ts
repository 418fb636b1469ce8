import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ImapFlow } from 'imapflow';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  createDeliveryLambdaHandler,
  createPollerLambdaHandler,
} from '../../../lib/lambda/create-webhook-lambda-deps.js';
import { parseWakeUp } from '../../../lib/webhooks/aws/wake-up.js';
import {
  ACTIVE_INDEX_ATTRIBUTES,
  createDynamoWebhookRepository,
  webhookTableDefinition,
} from '../../../lib/webhooks/dynamo/index.js';
import { createEvent, eventPayload, type WebhookEvent } from '../../../lib/webhooks/events.js';
import type { PollerWebhookRepository } from '../../../lib/webhooks/poller-repository.js';
import type { WebhookRecord } from '../../../lib/webhooks/repository.js';
import { createWebhookSecret } from '../../../lib/webhooks/signing.js';
import { type DynaliteHandle, startDynalite } from '../../support/dynalite.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';
import { startNeverGreetServer } from '../../support/never-greet-server.js';
import { createFakeSecretsTransport } from '../../unit/credentials/fake-secrets-transport.js';
import { type Received, type Receiver, startReceiver } from '../../unit/webhooks/receiver.js';
import { buildMessage, connectOther } from '../imap-sync/sync-test-kit.js';
import {
  createSqsCapture,
  type LogLine,
  lambdaContext,
  recordingLogger,
  schedulerEvent,
  sqsEvent,
} from './aws-kit.js';

/**
 * The poller and the delivery function as Lambda runs them: the handlers
 * the entry points build from their environment (lib/lambda), invoked
 * with EventBridge Scheduler's and SQS's event shapes, over the DynamoDB
 * table (the real client against dynalite), the credential store and mail
 * store factory the API function builds (Secrets Manager through a real
 * client, its transport in-process), the real SQS client (its transport
 * capturing SendMessageBatch), Dovecot, and a loopback receiver that
 * checks signatures.
 */

const ACCOUNT = 'acc_aws_a';
const OTHER_ACCOUNT = 'acc_aws_b';

let userA: MailUser;
let userB: MailUser;
let otherA: ImapFlow;
let otherB: ImapFlow;
let dynalite: DynaliteHandle;
let secrets: ReturnType<typeof createFakeSecretsTransport>;
let tableName: string;
let repository: PollerWebhookRepository;
let clockMs: number;
const now = () => new Date(clockMs);
let sqs: ReturnType<typeof createSqsCapture>;
let lines: LogLine[];
let receiver: Receiver;

beforeAll(async () => {
  [userA, userB] = await Promise.all([createMailUser('aws-poller-a'), createMailUser('aws-poller-b')]);
  [otherA, otherB] = await Promise.all([connectOther(userA), connectOther(userB)]);
  secrets = createFakeSecretsTransport({
    [`mailgate/accounts/${ACCOUNT}`]: JSON.stringify(userA.account()),
    [`mailgate/accounts/${OTHER_ACCOUNT}`]: JSON.stringify(userB.account()),
  });
  dynalite = await startDynalite();
});

afterAll(async () => {
  await Promise.all([otherA?.logout(), otherB?.logout()]);
  await dynalite?.close();
});

beforeEach(async () => {
  clockMs = Date.now();
  tableName = `webhooks-${randomUUID()}`;
  // As the stack makes it (infra/webhooks.ts): the active index projects only what the store reads.
  const definition = webhookTableDefinition();
  await dynalite.client.send(
    new CreateTableCommand({
      TableName: tableName,
      ...definition,
      GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes.map((index) => ({
        ...index,
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...ACTIVE_INDEX_ATTRIBUTES] },
      })),
    }),
  );
  repository = createDynamoWebhookRepository({ client: dynalite.client, tableName, now });
  sqs = createSqsCapture();
  lines = [];
  receiver = await startReceiver();
});

afterEach(async () => {
  await receiver.close();
});

/** What the stack sets on the webhook functions (infra/webhooks.ts). */
function environment(): Record<string, string> {
  return {
    MAILGATE_STORE: 'secretsmanager',
    MAILGATE_SECRET_PREFIX: 'mailgate/',
    MAILGATE_LOG_LEVEL: 'error',
    MAILGATE_WEBHOOK_TABLE: tableName,
    MAILGATE_WEBHOOK_QUEUE_URL: sqs.queueUrl,
  };
}

/** IMAP sessions the user has had so far (Dovecot writes one rawlog `.in` file per session). */
async function sessions(user: MailUser): Promise<number> {
  const files = await readdir(join(user.server.stateDir, 'rawlog', user.user)).catch(() => [] as string[]);
  return files.filter((file) => file.endsWith('.in')).length;
}

/**
 * A DynamoDB client on the same table that fails every call naming
 * `webhookId` as the service does when unavailable (a 503 the SDK does not retry here).
 */
function failingFor(webhookId: string): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint: dynalite.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      if (JSON.stringify(args.input).includes(webhookId)) {
        throw Object.assign(new Error('Service unavailable'), {
          name: 'ServiceUnavailable',
          $fault: 'server',
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'failForWebhook' },
  );
  return client;
}

function poller(options: { marginMs?: number; connections?: number; dynamoClient?: DynamoDBClient } = {}) {
  return createPollerLambdaHandler({
    env: {
      ...environment(),
      ...(options.connections === undefined
        ? {}
        : { MAILGATE_WEBHOOK_ACCOUNT_CONNECTIONS: String(options.connections) }),
    },
    secretsManagerClient: secrets.client,
    webhookClients: { dynamoClient: options.dynamoClient ?? dynalite.client, sqsClient: sqs.client, now },
    now,
    pollerOptions: { marginMs: options.marginMs ?? 2_000 },
    logger: recordingLogger(lines),
  });
}

function delivery(dynamoClient: DynamoDBClient = dynalite.client, eventsPerWebhook?: number) {
  return createDeliveryLambdaHandler({
    env: environment(),
    webhookClients: { dynamoClient, sqsClient: sqs.client, now },
    // Loopback receivers: allowed here explicitly, never by the stack.
    allowPrivateForTests: true,
    now,
    random: () => 0.5,
    deliveryOptions: { marginMs: 2_000, ...(eventsPerWebhook === undefined ? {} : { eventsPerWebhook }) },
    logger: recordingLogger(lines),
  });
}

async function createWebhook(account: string, mailboxes: string[] = ['~inbox']): Promise<WebhookRecord> {
  return repository.create({
    account,
    url: receiver.url('/in?token=query-secret'),
    mailboxes,
    events: ['message.created', 'message.updated', 'message.deleted', 'mailbox.reset'],
    secret: createWebhookSecret(),
  });
}

async function append(client: ImapFlow, path: string, subjects: string[]): Promise<void> {
  for (const subject of subjects) await client.append(path, buildMessage(subject));
}

async function queuedEvents(webhook: WebhookRecord): Promise<WebhookEvent[]> {
  return (await repository.listQueued(webhook.id, 1000)).map((entry) => entry.event);
}

function verified(webhook: WebhookRecord, requests: Received[]): unknown[] {
  return requests.map((request) =>
    new Webhook(webhook.secret).verify(request.body, request.headers as Record<string, string>),
  );
}

const ids = (requests: Received[]) => requests.map((request) => String(request.headers['webhook-id']));

describe('the scheduled poller and the queue-driven delivery', () => {
  test('a new mail becomes one wake-up message and one signed delivery per event, in order', async () => {
    const webhook = await createWebhook(ACCOUNT);
    // First look: the cursor starts at the current state; nothing queued, nothing to wake.
    const first = await poller()(schedulerEvent(0, 1), lambdaContext());
    expect(first).toMatchObject({ webhooks: 1, checked: 1, failed: 0, queued: 0, wakeUps: 0 });
    expect(sqs.sent).toEqual([]);
    expect(await repository.getCursor(webhook.id, 'INBOX')).toEqual(expect.any(String));

    await append(otherA, 'INBOX', ['one', 'two']);
    const second = await poller()(schedulerEvent(0, 1), lambdaContext());
    expect(second).toMatchObject({ checked: 1, failed: 0, queued: 2, wakeUps: 1 });
    const events = await queuedEvents(webhook);
    expect(events.map((event) => event.type)).toEqual(['message.created', 'message.created']);
    const messages = sqs.take();
    expect(sqs.operations).toEqual(['SendMessageBatch']);
    expect(messages.map((message) => parseWakeUp(message.body))).toEqual([
      { account: ACCOUNT, webhookId: webhook.id },
    ]);
    expect(messages[0]!.delaySeconds).toBe(0);
    // The message names the webhook only: no event, no URL, no secret.
    expect(messages[0]!.body).not.toContain(webhook.secret);
    expect(messages[0]!.body).not.toContain('127.0.0.1');

    const answer = await delivery()(sqsEvent(messages.map((m) => m.body)), lambdaContext());
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(ids(receiver.requests)).toEqual(events.map((event) => event.id));
    const bodies = verified(webhook, receiver.requests) as Array<{ data: { message: { subject: string } } }>;
    expect(bodies.map((body) => body.data.message.subject)).toEqual(['one', 'two']);
    expect(receiver.requests.map((request) => request.body)).toEqual(events.map(eventPayload));
    expect(await repository.listQueued(webhook.id, 10)).toEqual([]);
    // Nothing left to do: no further wake-up.
    expect(sqs.sent).toEqual([]);
    // Logs carry ids, never the URL or the secret.
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain(webhook.secret);
    expect(logged).not.toContain('query-secret');
  });

  test('a receiver failing three times gets each event once after the retries, in order; wake-ups are delayed to each retry', async () => {
    const webhook = await createWebhook(ACCOUNT);
    await poller()(schedulerEvent(0, 1), lambdaContext());
    await append(otherA, 'INBOX', ['retry-1', 'retry-2']);
    await poller()(schedulerEvent(0, 1), lambdaContext());
    const events = await queuedEvents(webhook);
    expect(events).toHaveLength(2);
    const answers: Array<{ id: string; status: number }> = [];
    receiver.handle = (request, response) => {
      const status = answers.length < 3 ? 503 : 204;
      answers.push({ id: String(request.headers['webhook-id']), status });
      response.writeHead(status).end();
    };

    let messages = sqs.take();
    const delays: number[] = [];
    for (let failed = 1; failed <= 3; failed += 1) {
      expect(await delivery()(sqsEvent(messages.map((m) => m.body)), lambdaContext())).toEqual({
        batchItemFailures: [],
      });
      messages = sqs.take();
      // One delayed wake-up for the next attempt.
      expect(messages).toHaveLength(1);
      expect(parseWakeUp(messages[0]!.body)).toEqual({ account: ACCOUNT, webhookId: webhook.id });
      delays.push(messages[0]!.delaySeconds);
      const [head] = await repository.listQueued(webhook.id, 1);
      expect(head).toMatchObject({ attempts: failed });
      expect(await repository.get(ACCOUNT, webhook.id)).toMatchObject({ status: 'failing' });
      // Woken early (the queue may deliver a message again at any time): the head is not due, nothing is sent.
      const before = receiver.requests.length;
      await delivery()(sqsEvent([messages[0]!.body]), lambdaContext());
      expect(receiver.requests.length).toBe(before);
      const again = sqs.take();
      expect(again).toHaveLength(1);
      expect(again[0]!.delaySeconds).toBe(Math.ceil((Date.parse(head!.nextAttemptAt!) - clockMs) / 1000));
      clockMs = Date.parse(head!.nextAttemptAt!);
    }
    // The shared backoff: 5 s, 30 s, 2 min (jitter 0.5 → exactly the base).
    expect(delays).toEqual([5, 30, 120]);

    expect(await delivery()(sqsEvent(messages.map((m) => m.body)), lambdaContext())).toEqual({
      batchItemFailures: [],
    });
    expect(answers.filter((a) => a.status === 204).map((a) => a.id)).toEqual(events.map((e) => e.id));
    expect(ids(receiver.requests)).toEqual([
      events[0]!.id,
      events[0]!.id,
      events[0]!.id,
      ...events.map((e) => e.id),
    ]);
    verified(webhook, receiver.requests);
    expect(await repository.listQueued(webhook.id, 10)).toEqual([]);
    expect(await repository.get(ACCOUNT, webhook.id)).toMatchObject({ status: 'active', lastError: null });
    expect(sqs.sent).toEqual([]);
  });

  test('a record whose webhook the store cannot serve is reported as a batch item failure; the others are delivered; a malformed one is dropped', async () => {
    const good = await createWebhook(ACCOUNT);
    const broken = await createWebhook(OTHER_ACCOUNT);
    await repository.enqueue(good.id, [pingEvent(ACCOUNT)]);
    await repository.enqueue(broken.id, [pingEvent(OTHER_ACCOUNT)]);
    const records = sqsEvent([
      JSON.stringify({ account: ACCOUNT, webhookId: good.id }),
      JSON.stringify({ account: OTHER_ACCOUNT, webhookId: broken.id }),
      '{"account": "x", "webhookId": "not-an-id"}',
      'not json',
    ]);
    const answer = await delivery(failingFor(broken.id))(records, lambdaContext());
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: records.Records[1]!.messageId }] });
    expect(receiver.requests).toHaveLength(1);
    expect(await repository.listQueued(good.id, 10)).toEqual([]);
    expect(await repository.listQueued(broken.id, 10)).toHaveLength(1);
    expect(lines.filter((line) => line.fields.code === 'invalid_message')).toHaveLength(2);
    expect(lines.find((line) => line.level === 'error')?.fields).toMatchObject({
      webhook: broken.id,
      error: 'ServiceUnavailable',
    });
  });

  test('a webhook whose lease another invocation holds is dropped: nothing sent, nothing failed', async () => {
    const webhook = await createWebhook(ACCOUNT);
    await repository.enqueue(webhook.id, [pingEvent(ACCOUNT)]);
    expect(
      await repository.acquireDeliveryLease(webhook.id, 'other-invocation', new Date(clockMs + 60_000)),
    ).toBe(true);
    const answer = await delivery()(
      sqsEvent([JSON.stringify({ account: ACCOUNT, webhookId: webhook.id })]),
      lambdaContext(),
    );
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(receiver.requests).toEqual([]);
    expect(await repository.listQueued(webhook.id, 10)).toHaveLength(1);
    expect(sqs.sent).toEqual([]);
    // Released by its holder, the next wake-up delivers.
    await repository.releaseDeliveryLease(webhook.id, 'other-invocation');
    await delivery()(
      sqsEvent([JSON.stringify({ account: ACCOUNT, webhookId: webhook.id })]),
      lambdaContext(),
    );
    expect(receiver.requests).toHaveLength(1);
  });

  test('two pollers on the same segment at once queue each event once', async () => {
    const webhook = await createWebhook(ACCOUNT);
    await poller()(schedulerEvent(0, 1), lambdaContext());
    await append(otherA, 'INBOX', ['race-1', 'race-2', 'race-3']);
    const results = await Promise.all([
      poller()(schedulerEvent(0, 1), lambdaContext()),
      poller()(schedulerEvent(0, 1), lambdaContext()),
    ]);
    const events = await queuedEvents(webhook);
    expect(events).toHaveLength(3);
    expect(
      new Set(events.map((event) => JSON.stringify((event.data as { message: { uid: number } }).message.uid)))
        .size,
    ).toBe(3);
    expect(results[0]!.queued + results[1]!.queued).toBe(3);
  });

  test('one connection per account by default for all its webhooks and mailboxes; accounts apart; a lost wake-up is sent again', async () => {
    await otherA.mailboxCreate('Projects').catch(() => undefined);
    const a1 = await createWebhook(ACCOUNT, ['~inbox', 'Projects']);
    const a2 = await createWebhook(ACCOUNT, ['Projects']);
    const b1 = await createWebhook(OTHER_ACCOUNT);
    const before = [await sessions(userA), await sessions(userB)];
    const run = await poller()(schedulerEvent(0, 1), lambdaContext());
    expect(run).toMatchObject({ webhooks: 3, accounts: 2, checked: 4, failed: 0 });
    // Four mailbox looks over one session per account.
    expect([await sessions(userA), await sessions(userB)]).toEqual([before[0]! + 1, before[1]! + 1]);

    // Events queued without a wake-up (the one sent was lost): the next run sends one, as the head is due.
    await repository.enqueue(b1.id, [pingEvent(OTHER_ACCOUNT)]);
    const between = [await sessions(userA), await sessions(userB)];
    const next = await poller({ connections: 2 })(schedulerEvent(0, 1), lambdaContext());
    expect(next).toMatchObject({ checked: 4, queued: 0, wakeUps: 1 });
    // MAILGATE_WEBHOOK_ACCOUNT_CONNECTIONS=2: two sessions for the account with three mailboxes, one for the other.
    expect([await sessions(userA), await sessions(userB)]).toEqual([between[0]! + 2, between[1]! + 1]);
    expect(sqs.take().map((message) => parseWakeUp(message.body))).toEqual([
      { account: OTHER_ACCOUNT, webhookId: b1.id },
    ]);
    void a1;
    void a2;
  });

  test('one mailbox failing does not stop the others; its error is logged by code with ids', async () => {
    const missing = await createWebhook(ACCOUNT, ['Does-Not-Exist', '~inbox']);
    const fine = await createWebhook(OTHER_ACCOUNT);
    const run = await poller()(schedulerEvent(0, 1), lambdaContext());
    expect(run).toMatchObject({ checked: 2, failed: 1 });
    expect(await repository.getCursor(missing.id, 'INBOX')).toEqual(expect.any(String));
    expect(await repository.getCursor(fine.id, 'INBOX')).toEqual(expect.any(String));
    const error = lines.find((line) => line.message === 'webhook mailbox check failed');
    expect(error?.fields).toMatchObject({
      account: ACCOUNT,
      webhook: missing.id,
      mailbox: 'Does-Not-Exist',
      code: 'mailbox_not_found',
    });
  });

  test('with less than the margin left no check starts; the skipped ones are logged', async () => {
    const webhook = await createWebhook(ACCOUNT);
    const before = await sessions(userA);
    const run = await poller({ marginMs: 5_000 })(schedulerEvent(0, 1), lambdaContext(3_000));
    expect(run).toMatchObject({ checked: 0, skipped: 1 });
    expect(await sessions(userA)).toBe(before);
    expect(await repository.getCursor(webhook.id, 'INBOX')).toBeUndefined();
    const skipped = lines.find((line) => line.message.includes('skipped'));
    expect(skipped?.fields).toMatchObject({ checks: [{ webhook: webhook.id, mailbox: '~inbox' }] });
  });

  test('a segment holds only its own accounts; a malformed schedule input is refused', async () => {
    await createWebhook(ACCOUNT);
    await createWebhook(OTHER_ACCOUNT);
    const counts = [];
    for (let segment = 0; segment < 4; segment += 1) {
      counts.push((await poller()(schedulerEvent(segment, 4), lambdaContext())).webhooks);
    }
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2);
    await expect(poller()({ segment: 4, segments: 4 }, lambdaContext())).rejects.toThrow(RangeError);
    await expect(poller()({}, lambdaContext())).rejects.toThrow(RangeError);
  });

  test('past its budget an invocation leaves a wake-up for the rest, which the next one sends in order', async () => {
    const webhook = await createWebhook(ACCOUNT);
    const events = [
      pingEvent(ACCOUNT, webhook.id),
      pingEvent(ACCOUNT, webhook.id),
      pingEvent(ACCOUNT, webhook.id),
    ];
    await repository.enqueue(webhook.id, events);
    const wake = JSON.stringify({ account: ACCOUNT, webhookId: webhook.id });
    expect(await delivery(dynalite.client, 2)(sqsEvent([wake]), lambdaContext())).toEqual({
      batchItemFailures: [],
    });
    expect(ids(receiver.requests)).toEqual(events.slice(0, 2).map((event) => event.id));
    const rest = sqs.take();
    expect(rest).toHaveLength(1);
    expect(rest[0]).toMatchObject({ body: wake, delaySeconds: 0 });
    // The lease was given back: the next invocation takes it at once.
    await delivery(dynalite.client, 2)(sqsEvent([rest[0]!.body]), lambdaContext());
    expect(ids(receiver.requests)).toEqual(events.map((event) => event.id));
    expect(sqs.take()).toEqual([]);
    verified(webhook, receiver.requests);
  });

  test('with less than the margin left an invocation sends nothing and leaves a wake-up', async () => {
    const webhook = await createWebhook(ACCOUNT);
    await repository.enqueue(webhook.id, [pingEvent(ACCOUNT, webhook.id)]);
    const wake = JSON.stringify({ account: ACCOUNT, webhookId: webhook.id });
    // The margin is 2 s; 1.5 s remain.
    expect(await delivery()(sqsEvent([wake]), lambdaContext(1_500))).toEqual({ batchItemFailures: [] });
    expect(receiver.requests).toEqual([]);
    expect(sqs.take()).toMatchObject([{ body: wake, delaySeconds: 0 }]);
    expect(await repository.listQueued(webhook.id, 10)).toHaveLength(1);
    // And the lease was released for the invocation that message wakes.
    expect(await repository.acquireDeliveryLease(webhook.id, 'next', new Date(clockMs + 60_000))).toBe(true);
  });

  test('checks still running when half the margin remains are cut, and the wake-ups still go out', async () => {
    const stalled = await startNeverGreetServer();
    try {
      secrets.secrets.set(
        'mailgate/accounts/acc_aws_stall',
        JSON.stringify(userA.account({ host: '127.0.0.1', port: stalled.port })),
      );
      const fine = await createWebhook(ACCOUNT);
      await poller()(schedulerEvent(0, 1), lambdaContext());
      await append(otherA, 'INBOX', ['before-the-end']);
      const stuck = await createWebhook('acc_aws_stall');
      // 5 s left, margin 2 s: checks start, and whatever still runs at 4 s is aborted (the connect timeout is 10 s).
      const run = await poller({ marginMs: 2_000 })(schedulerEvent(0, 1), lambdaContext(5_000));
      expect(run).toMatchObject({ checked: 1, failed: 1, queued: 1, wakeUps: 1 });
      expect(sqs.take().map((message) => parseWakeUp(message.body))).toEqual([
        { account: ACCOUNT, webhookId: fine.id },
      ]);
      expect(stalled.totalConnections).toBe(1);
      // The cut connection was closed by the client.
      expect(lines.filter((line) => line.fields.code === 'invocation_ending')).toHaveLength(1);
      for (let i = 0; i < 100 && stalled.openSockets > 0; i += 1) await new Promise((r) => setTimeout(r, 20));
      expect(stalled.openSockets).toBe(0);
      expect(lines.find((line) => line.message === 'webhook mailbox check failed')?.fields).toMatchObject({
        account: 'acc_aws_stall',
        webhook: stuck.id,
      });
    } finally {
      await stalled.close();
    }
  });

  test('a POP3 account is polled by its UIDLs (through the lazily loaded adapter of a cold instance): a new message is one message.created, delivered', async () => {
    secrets.secrets.set(
      'mailgate/accounts/acc_aws_pop',
      JSON.stringify(userB.account({ protocol: 'pop3', port: userB.server.ports.pop3s, tls: 'implicit' })),
    );
    const webhook = await repository.create({
      account: 'acc_aws_pop',
      url: receiver.url('/pop'),
      mailboxes: ['INBOX'],
      events: ['message.created', 'message.deleted'],
      secret: createWebhookSecret(),
    });
    const firstLook = await poller()(schedulerEvent(0, 1), lambdaContext());
    expect(firstLook).toMatchObject({ checked: 1, failed: 0 });
    await append(otherB, 'INBOX', ['pop-new']);
    const run = await poller()(schedulerEvent(0, 1), lambdaContext());
    expect(run).toMatchObject({ checked: 1, failed: 0, queued: 1, wakeUps: 1 });
    await delivery()(sqsEvent(sqs.take().map((message) => message.body)), lambdaContext());
    const [body] = verified(webhook, receiver.requests) as Array<{
      type: string;
      data: { account: string; message: { subject: string } };
    }>;
    expect(body).toMatchObject({
      type: 'message.created',
      data: { account: 'acc_aws_pop', message: { subject: 'pop-new' } },
    });
    expect(receiver.requests).toHaveLength(1);
  });

  test('wake-ups the queue refused are logged, and the next run sends them (the heads are due)', async () => {
    const webhook = await createWebhook(ACCOUNT);
    await poller()(schedulerEvent(0, 1), lambdaContext());
    await append(otherA, 'INBOX', ['lost-wake-up']);
    sqs.failNextCalls(1);
    const run = await poller()(schedulerEvent(0, 1), lambdaContext());
    expect(run).toMatchObject({ queued: 1, wakeUps: 0, wakeUpsFailed: 1 });
    expect(sqs.sent).toEqual([]);
    expect(lines.find((line) => line.message.includes('wake-ups could not be sent'))?.fields).toMatchObject({
      webhooks: [webhook.id],
    });
    const next = await poller()(schedulerEvent(0, 1), lambdaContext());
    expect(next).toMatchObject({ queued: 0, wakeUps: 1, wakeUpsFailed: 0 });
    expect(sqs.take().map((message) => parseWakeUp(message.body))).toEqual([
      { account: ACCOUNT, webhookId: webhook.id },
    ]);
  });
});

function pingEvent(account: string, webhook = 'wh_000000000000000000000000'): WebhookEvent {
  return createEvent('ping', { account, webhook }, now());
}
