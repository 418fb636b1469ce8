import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from '../config/env.js';
import type { WebhookChange, WebhookDeps } from '../http/app-env.js';
import { ConfigurationError } from '../mail/errors.js';
import type { Logger } from '../mail/logger.js';
import type { WakeUpSender } from '../webhooks/aws/wake-up.js';
import type { PollerWebhookRepository } from '../webhooks/poller-repository.js';
import type { WebhookRecord } from '../webhooks/repository.js';
import { lazy } from './lazy.js';

/**
 * The webhook table and the delivery queue as the Lambda functions reach
 * them (MAILGATE_WEBHOOK_TABLE, MAILGATE_WEBHOOK_QUEUE_URL). The DynamoDB
 * and SQS clients are imported on first use, in chunks of their own, so
 * the API function's module init does not grow by them.
 */

export interface WebhookClients {
  /** Only for tests in-process; the deployed functions use the SDK's default clients (region from AWS_REGION). */
  dynamoClient?: DynamoDBClient;
  sqsClient?: SQSClient;
  /** Only for tests in-process: the table's clock (the time it records and leases expire by). */
  now?: () => Date;
}

export interface WebhookBackends {
  repository: PollerWebhookRepository;
  wakeUps: WakeUpSender;
}

/** Every method of the store's AWS port, for the lazy wrapper: the type below fails to compile when one is missing. */
const REPOSITORY_METHODS = [
  'create',
  'get',
  'list',
  'update',
  'delete',
  'listActive',
  'getCursor',
  'listCursors',
  'commitChanges',
  'enqueue',
  'listQueued',
  'nextDue',
  'markDelivered',
  'markFailed',
  'close',
  'listActiveSegment',
  'acquireDeliveryLease',
  'releaseDeliveryLease',
] as const satisfies ReadonlyArray<keyof PollerWebhookRepository>;
type Missing = Exclude<keyof PollerWebhookRepository, (typeof REPOSITORY_METHODS)[number]>;
const everyMethodListed: [Missing] extends [never] ? true : Missing = true;
void everyMethodListed;

/**
 * The table and queue, when both are configured; undefined when neither is.
 * @throws ConfigurationError when only one of the two is set (a stack that sets one sets both).
 */
export function webhookBackends(config: Config, clients: WebhookClients = {}): WebhookBackends | undefined {
  const tableName = config.MAILGATE_WEBHOOK_TABLE;
  const queueUrl = config.MAILGATE_WEBHOOK_QUEUE_URL;
  if (tableName === undefined && queueUrl === undefined) return undefined;
  if (tableName === undefined || queueUrl === undefined) {
    throw new ConfigurationError(
      'MAILGATE_WEBHOOK_TABLE and MAILGATE_WEBHOOK_QUEUE_URL are set together or not at all.',
    );
  }
  const store = lazy(async () => {
    const [{ createDynamoWebhookRepository }, client] = await Promise.all([
      import('../webhooks/dynamo/index.js'),
      clients.dynamoClient ??
        import('@aws-sdk/client-dynamodb').then(({ DynamoDBClient }) => new DynamoDBClient({})),
    ]);
    return createDynamoWebhookRepository({
      client,
      tableName,
      ...(clients.now === undefined ? {} : { now: clients.now }),
    });
  });
  const sender = lazy(async () => {
    const [{ createSqsWakeUpSender }, client] = await Promise.all([
      import('../webhooks/aws/wake-up.js'),
      clients.sqsClient ?? import('@aws-sdk/client-sqs').then(({ SQSClient }) => new SQSClient({})),
    ]);
    return createSqsWakeUpSender({ client, queueUrl });
  });
  const repository = Object.fromEntries(
    REPOSITORY_METHODS.map((name) => [
      name,
      async (...args: unknown[]) => {
        const target = await store.get();
        return (target[name] as (...each: unknown[]) => unknown).apply(target, args);
      },
    ]),
  ) as unknown as PollerWebhookRepository;
  return {
    repository,
    wakeUps: { send: async (wakeUps, delaySeconds) => (await sender.get()).send(wakeUps, delaySeconds) },
  };
}

/** Webhooks whose account the API function remembers, for the wake-ups its routes send. */
const REMEMBERED = 1000;

/**
 * The API function's `AppDeps.webhooks`: the table, the URL rules without
 * private addresses (the stack never sets MAILGATE_WEBHOOK_ALLOW_PRIVATE),
 * and a wake-up to the delivery queue when a route queued an event (the
 * test ping) or updated a webhook (a re-enable sends what waited).
 *
 * A wake-up names the account, which `changed` is not told: the account of
 * every record the routes read or write is remembered (the route reads the
 * webhook before announcing a change). A change whose account is not
 * known sends nothing; the poller wakes every webhook with a due head
 * within a minute.
 */
export function apiWebhookDeps(backends: WebhookBackends, logger: Logger): WebhookDeps {
  const accounts = new Map<string, { account: string; status: WebhookRecord['status'] }>();
  const remember = (record: WebhookRecord | undefined) => {
    if (record === undefined) return;
    accounts.delete(record.id);
    accounts.set(record.id, { account: record.account, status: record.status });
    if (accounts.size > REMEMBERED) accounts.delete(accounts.keys().next().value as string);
  };
  const { repository: inner } = backends;
  const repository: PollerWebhookRepository = {
    ...inner,
    async create(input) {
      const record = await inner.create(input);
      remember(record);
      return record;
    },
    async get(account, id) {
      const record = await inner.get(account, id);
      remember(record);
      return record;
    },
    async update(account, id, patch) {
      const record = await inner.update(account, id, patch);
      remember(record);
      return record;
    },
  };
  return {
    repository,
    allowPrivate: false,
    async changed(webhookId: string, what: WebhookChange) {
      if (what === 'deleted') accounts.delete(webhookId);
      if (what !== 'queued' && what !== 'updated') return;
      const known = accounts.get(webhookId);
      if (known === undefined || known.status === 'disabled') {
        if (known === undefined)
          logger.debug('webhook change without a known account; the poller wakes it', { webhook: webhookId });
        return;
      }
      await backends.wakeUps.send([{ account: known.account, webhookId }]);
    },
  };
}
