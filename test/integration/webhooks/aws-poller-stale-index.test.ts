import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createPollerLambdaHandler } from '../../../lib/lambda/create-webhook-lambda-deps.js';
import { createDynamoWebhookRepository } from '../../../lib/webhooks/dynamo/index.js';
import type { PollerWebhookRepository } from '../../../lib/webhooks/poller-repository.js';
import type { WebhookRecord } from '../../../lib/webhooks/repository.js';
import { createWebhookSecret } from '../../../lib/webhooks/signing.js';
import { type DynaliteHandle, startDynalite } from '../../support/dynalite.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';
import { createFakeSecretsTransport } from '../../unit/credentials/fake-secrets-transport.js';
import { buildMessage, connectOther } from '../imap-sync/sync-test-kit.js';
import { createSqsCapture, type LogLine, lambdaContext, recordingLogger, schedulerEvent } from './aws-kit.js';

/**
 * The poller reads the active webhooks from the table's index, which is
 * eventually consistent: a webhook disabled, deleted or changed a moment
 * ago may still show as it was. Here the index answers as it did before
 * the change (a client whose Scan replays an earlier answer); the poller
 * reads each webhook again, consistently, and acts on what it reads.
 */

const ACCOUNT = 'acc_aws_stale';

let user: MailUser;
let other: ImapFlow;
let dynalite: DynaliteHandle;
let secrets: ReturnType<typeof createFakeSecretsTransport>;
let tableName: string;
let repository: PollerWebhookRepository;
let sqs: ReturnType<typeof createSqsCapture>;
let lines: LogLine[];

beforeAll(async () => {
  user = await createMailUser('aws-stale-index');
  other = await connectOther(user);
  await other.mailboxCreate('Projects').catch(() => undefined);
  secrets = createFakeSecretsTransport({ [`mailgate/accounts/${ACCOUNT}`]: JSON.stringify(user.account()) });
  dynalite = await startDynalite();
});

afterAll(async () => {
  await other?.logout();
  await dynalite?.close();
});

beforeEach(async () => {
  tableName = `webhooks-${randomUUID()}`;
  await dynalite.createTable(tableName);
  repository = createDynamoWebhookRepository({ client: dynalite.client, tableName });
  sqs = createSqsCapture();
  lines = [];
});

/** A client on the same table whose Scans answer what the first Scan answered (a stale index). */
function staleIndexClient(): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint: dynalite.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  let first: unknown;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'ScanCommand') return next(args);
      if (first === undefined) first = await next(args);
      return first as Awaited<ReturnType<typeof next>>;
    },
    { step: 'initialize', name: 'staleIndex' },
  );
  return client;
}

function poller(dynamoClient: DynamoDBClient) {
  return createPollerLambdaHandler({
    env: {
      MAILGATE_STORE: 'secretsmanager',
      MAILGATE_SECRET_PREFIX: 'mailgate/',
      MAILGATE_LOG_LEVEL: 'error',
      MAILGATE_WEBHOOK_TABLE: tableName,
      MAILGATE_WEBHOOK_QUEUE_URL: sqs.queueUrl,
    },
    secretsManagerClient: secrets.client,
    webhookClients: { dynamoClient, sqsClient: sqs.client },
    pollerOptions: { marginMs: 2_000 },
    logger: recordingLogger(lines),
  });
}

async function sessions(): Promise<number> {
  const files = await readdir(join(user.server.stateDir, 'rawlog', user.user)).catch(() => [] as string[]);
  return files.filter((file) => file.endsWith('.in')).length;
}

async function createWebhook(mailboxes: string[]): Promise<WebhookRecord> {
  return repository.create({
    account: ACCOUNT,
    url: 'https://receiver.example/in',
    mailboxes,
    events: ['message.created'],
    secret: createWebhookSecret(),
  });
}

/** The first run (cursors start at the current state) through the stale client, which keeps its index answer. */
async function firstRun(mailboxes: string[]) {
  const webhook = await createWebhook(mailboxes);
  const stale = staleIndexClient();
  expect(await poller(stale)(schedulerEvent(0, 1), lambdaContext())).toMatchObject({
    webhooks: 1,
    failed: 0,
  });
  sqs.take();
  return { webhook, stale };
}

describe('the poller reads each webhook again before it acts on the index', () => {
  test('a webhook disabled since the index was read is not checked: no connection, nothing queued, its cursor kept, no wake-up', async () => {
    const { webhook, stale } = await firstRun(['~inbox']);
    const cursor = await repository.getCursor(webhook.id, 'INBOX');
    await repository.update(ACCOUNT, webhook.id, {
      status: 'disabled',
      disabledReason: 'Disabled by the client.',
    });
    await other.append('INBOX', buildMessage('while-disabled'));
    const before = await sessions();
    const run = await poller(stale)(schedulerEvent(0, 1), lambdaContext());
    expect(run).toMatchObject({ checked: 0, failed: 0, queued: 0, wakeUps: 0 });
    expect(await sessions()).toBe(before);
    expect(await repository.listQueued(webhook.id, 10)).toEqual([]);
    // Re-enabling resumes from here: the mail that came while disabled is found then.
    expect(await repository.getCursor(webhook.id, 'INBOX')).toBe(cursor);
    expect(sqs.take()).toEqual([]);
  });

  test('a webhook deleted since the index was read is not checked', async () => {
    const { webhook, stale } = await firstRun(['~inbox']);
    await repository.delete(ACCOUNT, webhook.id);
    await other.append('INBOX', buildMessage('after-delete'));
    const before = await sessions();
    const run = await poller(stale)(schedulerEvent(0, 1), lambdaContext());
    expect(run).toMatchObject({ checked: 0, failed: 0, queued: 0, wakeUps: 0 });
    expect(await sessions()).toBe(before);
    expect(sqs.take()).toEqual([]);
  });

  test('a webhook whose mailboxes changed since the index was read is checked on its new mailboxes only', async () => {
    const { webhook, stale } = await firstRun(['~inbox']);
    await repository.update(ACCOUNT, webhook.id, { mailboxes: ['Projects'] });
    await other.append('INBOX', buildMessage('inbox-no-longer-watched'));
    const run = await poller(stale)(schedulerEvent(0, 1), lambdaContext());
    // Projects gets its first look (a cursor, no events); INBOX is not looked at.
    expect(run).toMatchObject({ checked: 1, failed: 0, queued: 0 });
    expect(await repository.getCursor(webhook.id, 'Projects')).toEqual(expect.any(String));
    expect(await repository.listQueued(webhook.id, 10)).toEqual([]);
  });
});
