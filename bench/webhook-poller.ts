/**
 * Webhooks on AWS: how many subscriptions one poller invocation checks per
 * second against the local Dovecot with cold connections (every run builds
 * the handler anew, as a cold Lambda instance does, so every account's
 * session is a new TLS connection and login), and what polling 10,000
 * subscriptions every minute would cost in Lambda time at that rate.
 *
 *   npx tsx bench/webhook-poller.ts [--accounts 50] [--per-account 4] [--runs 3] [--memory 1024]
 *
 * Two stores under the same poller, so the mail side and the table side
 * can be told apart:
 * - the table: the handler the entry point builds (lib/lambda) over the
 *   DynamoDB adapter, the real client against dynalite (in this process,
 *   on the same cores: far slower than DynamoDB, so this is a floor);
 * - in memory: the local server's store (a log on the temp directory) with
 *   the poller's extension in memory, under the same handler code, the
 *   same credential store and mail store factory: what the mail side costs.
 * Both read credentials through the Secrets Manager store (a real client
 * whose transport answers in-process) and send wake-ups through the real
 * SQS client with its transport stubbed. Each run finds one new message
 * per account, so every check computes changes and commits an event.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDovecot } from '../lib/devmail/dovecot.js';
import { deliverToMaildir } from '../lib/devmail/maildir.js';
import { createLambdaDeps } from '../lib/lambda/create-lambda-deps.js';
import { createPollerLambdaHandler } from '../lib/lambda/create-webhook-lambda-deps.js';
import { silentLogger } from '../lib/mail/logger.js';
import { createPollerHandler } from '../lib/webhooks/aws/handlers.js';
import type { PollSegmentResult } from '../lib/webhooks/aws/poller.js';
import { createSqsWakeUpSender } from '../lib/webhooks/aws/wake-up.js';
import { createDynamoWebhookRepository } from '../lib/webhooks/dynamo/index.js';
import { openLocalWebhookStore } from '../lib/webhooks/local-store/index.js';
import type { ActiveWebhook, PollerWebhookRepository } from '../lib/webhooks/poller-repository.js';
import type { NewWebhook, WebhookRepository } from '../lib/webhooks/repository.js';
import { createWebhookSecret } from '../lib/webhooks/signing.js';
import { createSqsCapture, lambdaContext, schedulerEvent } from '../test/integration/webhooks/aws-kit.js';
import { startDynalite } from '../test/support/dynalite.js';
import { createFakeSecretsTransport } from '../test/unit/credentials/fake-secrets-transport.js';
import { median, option, printTable } from './bench-util.js';

const accounts = Number(option('--accounts') ?? 50);
const perAccount = Number(option('--per-account') ?? 4);
const runs = Number(option('--runs') ?? 3);
const memoryMb = Number(option('--memory') ?? 1024);

/**
 * ASSUMPTION: AWS Lambda's public price list for arm64 in us-east-1 (the
 * first pricing tier, no free tier): $0.0000133334 per GB-second and $0.20
 * per million requests. Check https://aws.amazon.com/lambda/pricing/ for
 * your region and date.
 */
const PRICE_PER_GB_SECOND = 0.0000133334;
const PRICE_PER_MILLION_REQUESTS = 0.2;
const MINUTES_PER_MONTH = 730 * 60;
const TARGET_SUBSCRIPTIONS = 10_000;
/** Each segment's invocation should finish well inside the minute (the function's timeout is 55 s). */
const SECONDS_PER_SEGMENT = 45;

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<PollSegmentResult>;

const users = Array.from({ length: accounts }, (_, i) => ({
  user: `wh${String(i).padStart(3, '0')}`,
  password: `pw-${randomUUID()}`,
}));
const subscriptions = accounts * perAccount;
const dovecot = await startDovecot({ users });
const dynalite = await startDynalite();
const directory = await mkdtemp(join(tmpdir(), 'mailgate-bench-webhooks-'));
const secrets = createFakeSecretsTransport(
  Object.fromEntries(
    users.map((u, i) => [
      `mailgate/accounts/acc${i}`,
      JSON.stringify({
        protocol: 'imap',
        host: dovecot.host,
        port: dovecot.ports.imaps,
        tls: 'implicit',
        user: u.user,
        password: u.password,
        tlsOptions: { ca: dovecot.caCert },
      }),
    ]),
  ),
);
const sqs = createSqsCapture();
let round = 0;

/** One new message in every account's INBOX. */
function newMail(): Promise<unknown> {
  round += 1;
  return Promise.all(
    users.map((u) =>
      deliverToMaildir(dovecot.stateDir, u.user, [
        `From: Sender <s@example.com>\r\nTo: ${u.user}@example.com\r\nSubject: Round ${round}\r\nMessage-ID: <${randomUUID()}@example.com>\r\n\r\nBody.\r\n`,
      ]),
    ),
  );
}

async function subscribe(repository: WebhookRepository): Promise<void> {
  for (let i = 0; i < accounts; i += 1) {
    for (let k = 0; k < perAccount; k += 1) {
      const input: NewWebhook = {
        account: `acc${i}`,
        url: 'https://receiver.example/hook',
        mailboxes: ['~inbox'],
        events: ['message.created', 'message.updated', 'message.deleted'],
        secret: createWebhookSecret(),
      };
      await repository.create(input);
    }
  }
}

/** Runs the poller `runs` times (after a first look that starts every cursor), each a cold instance. */
async function measure(label: string, cold: () => Handler, table?: { calls: number }): Promise<number> {
  await newMail();
  const first = await cold()(schedulerEvent(0, 1), lambdaContext(55_000));
  if (first.checked !== subscriptions) throw new Error(`${label}: the first run checked ${first.checked}`);
  const rows: string[][] = [];
  const rates: number[] = [];
  for (let run = 1; run <= runs; run += 1) {
    await newMail();
    sqs.take();
    if (table) table.calls = 0;
    const handler = cold();
    const started = performance.now();
    const result = await handler(schedulerEvent(0, 1), lambdaContext(55_000));
    const ms = performance.now() - started;
    if (result.checked !== subscriptions || result.failed !== 0 || result.queued !== subscriptions) {
      throw new Error(`${label}, run ${run}: ${JSON.stringify(result)}`);
    }
    const rate = subscriptions / (ms / 1000);
    rates.push(rate);
    rows.push([
      label,
      String(run),
      String(result.checked),
      String(result.queued),
      String(result.wakeUps),
      table ? String(table.calls) : '–',
      ms.toFixed(0),
      rate.toFixed(1),
    ]);
  }
  // And one run with nothing new: what a quiet minute costs.
  sqs.take();
  if (table) table.calls = 0;
  const quietHandler = cold();
  const quietStarted = performance.now();
  const quiet = await quietHandler(schedulerEvent(0, 1), lambdaContext(55_000));
  const quietMs = performance.now() - quietStarted;
  if (quiet.checked !== subscriptions || quiet.queued !== 0)
    throw new Error(`${label}, quiet: ${JSON.stringify(quiet)}`);
  rows.push([
    `${label}, nothing new`,
    '–',
    String(quiet.checked),
    '0',
    String(quiet.wakeUps),
    table ? String(table.calls) : '–',
    quietMs.toFixed(0),
    (subscriptions / (quietMs / 1000)).toFixed(1),
  ]);
  printTable(
    ['store', 'run', 'checks', 'events queued', 'wake-ups', 'table calls', 'invocation ms', 'checks/s'],
    rows,
  );
  console.log('');
  return median(rates);
}

function cost(rate: number): string[] {
  const secondsPerMinute = TARGET_SUBSCRIPTIONS / rate;
  const segments = Math.max(1, Math.ceil(secondsPerMinute / SECONDS_PER_SEGMENT));
  const gbSeconds = (memoryMb / 1024) * secondsPerMinute * MINUTES_PER_MONTH;
  const duration = gbSeconds * PRICE_PER_GB_SECOND;
  const requests = ((segments * MINUTES_PER_MONTH) / 1e6) * PRICE_PER_MILLION_REQUESTS;
  return [
    rate.toFixed(1),
    `${secondsPerMinute.toFixed(1)} s`,
    String(segments),
    gbSeconds.toFixed(0),
    duration.toFixed(2),
    requests.toFixed(2),
    (duration + requests).toFixed(2),
  ];
}

try {
  console.log(
    `${subscriptions} subscriptions (INBOX) over ${accounts} accounts, 1 connection per account, 16 accounts at once, cold connections, local Dovecot on loopback\n`,
  );
  const env = {
    MAILGATE_STORE: 'secretsmanager',
    MAILGATE_SECRET_PREFIX: 'mailgate/',
    MAILGATE_LOG_LEVEL: 'error',
  };

  // In memory: the local store with the extension held in memory, under the same handler code.
  const local = await openLocalWebhookStore({ directory });
  const memory = withMemoryExtension(local);
  await subscribe(memory);
  const inMemory = await measure('in memory', () => {
    const deps = createLambdaDeps({ env, secretsManagerClient: secrets.client });
    return createPollerHandler({
      repository: memory,
      credentials: deps.credentials,
      stores: deps.stores,
      wakeUps: createSqsWakeUpSender({ client: sqs.client, queueUrl: sqs.queueUrl }),
      logger: silentLogger,
    });
  });
  await local.close();

  // The table: the entry point's handler over dynalite.
  const table = { calls: 0 };
  dynalite.client.middlewareStack.add(
    (next) => async (args) => {
      table.calls += 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchTableCalls' },
  );
  const tableName = 'webhooks-bench';
  await dynalite.createTable(tableName);
  await subscribe(createDynamoWebhookRepository({ client: dynalite.client, tableName }));
  const onTable = await measure(
    'dynalite',
    () =>
      createPollerLambdaHandler({
        env: { ...env, MAILGATE_WEBHOOK_TABLE: tableName, MAILGATE_WEBHOOK_QUEUE_URL: sqs.queueUrl },
        secretsManagerClient: secrets.client,
        webhookClients: { dynamoClient: dynalite.client, sqsClient: sqs.client },
        logger: silentLogger,
      }),
    table,
  );

  console.log(
    `Lambda cost of ${TARGET_SUBSCRIPTIONS.toLocaleString('en')} subscriptions polled every minute at the median rate. ASSUMPTION: arm64, us-east-1 list price $${PRICE_PER_GB_SECOND} per GB-s and $${PRICE_PER_MILLION_REQUESTS} per million requests, ${memoryMb} MB, ${MINUTES_PER_MONTH} minutes a month, no free tier; segments sized to ≤ ${SECONDS_PER_SEGMENT} s each.\n`,
  );
  printTable(
    [
      'store',
      'checks/s',
      'poller time per minute',
      'segments',
      'GB-s per month',
      'duration $/month',
      'requests $/month',
      'total $/month',
    ],
    [
      ['in memory (the mail side alone)', ...cost(inMemory)],
      ['dynalite (in process: the rate a floor, the cost a ceiling)', ...cost(onTable)],
    ],
  );
  console.log(
    '\nLoopback Dovecot answers in microseconds: a real mail server adds its round trips to every check and TLS set-up to every account, and DynamoDB a few milliseconds to every table call. The delivery function, DynamoDB and SQS are not included.',
  );
} finally {
  await dynalite.close();
  await dovecot.stop();
  await rm(directory, { recursive: true, force: true });
}

/** The poller's extension held in memory over a store of the port: segment by account hash, leases unused here. */
function withMemoryExtension(store: WebhookRepository): PollerWebhookRepository {
  const extension = {
    async listActiveSegment(segment: number, segments: number): Promise<ActiveWebhook[]> {
      const active = await store.listActive();
      const mine = active.filter((webhook) => hash(webhook.account) % segments === segment);
      return Promise.all(
        mine.map(async (webhook) => {
          const [head] = await store.listQueued(webhook.id, 1);
          return { webhook, headDueAt: head === undefined ? null : (head.nextAttemptAt ?? head.queuedAt) };
        }),
      );
    },
    acquireDeliveryLease: async () => true,
    releaseDeliveryLease: async () => {},
  };
  return new Proxy(store, {
    get(target, key) {
      if (key in extension) return extension[key as keyof typeof extension];
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as PollerWebhookRepository;
}

function hash(text: string): number {
  let value = 0;
  for (const char of text) value = (value * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return value;
}
