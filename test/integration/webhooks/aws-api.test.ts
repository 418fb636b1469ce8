import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WEBHOOK_ADMIN_TABLE_ACTIONS } from '../../../infra/webhooks.js';
import { createApp } from '../../../lib/http/index.js';
import { createAdminLambdaDeps, createLambdaDeps } from '../../../lib/lambda/create-lambda-deps.js';
import { parseWakeUp } from '../../../lib/webhooks/aws/wake-up.js';
import { createDynamoWebhookRepository } from '../../../lib/webhooks/dynamo/index.js';
import { type DynaliteHandle, startDynalite } from '../../support/dynalite.js';
import { createMailUser } from '../../support/mail-server.js';
import { createFakeSecretsTransport } from '../../unit/credentials/fake-secrets-transport.js';
import { createSqsCapture } from './aws-kit.js';

/**
 * The API function with webhooks on, built as its entry point builds it
 * (createLambdaDeps from the stack's environment): the routes write the
 * DynamoDB table (the real client against dynalite), refuse private
 * receivers (the stack never allows them), and wake the delivery function
 * through the queue after a test ping and a re-enable, naming the account
 * and the webhook only.
 */

const ACCOUNT = 'acc_aws_api';
// A public address as a literal: checked without a lookup, never contacted here.
const PUBLIC_URL = 'https://93.184.215.14/hooks/mail?token=receiver-secret';

let dynalite: DynaliteHandle;
let tableName: string;
let token: string;
let app: ReturnType<typeof createApp>;
let sqs: ReturnType<typeof createSqsCapture>;
let secrets: ReturnType<typeof createFakeSecretsTransport>;
let env: Record<string, string>;

beforeAll(async () => {
  const user = await createMailUser('aws-webhook-api');
  secrets = createFakeSecretsTransport({
    [`mailgate/accounts/${ACCOUNT}`]: JSON.stringify(user.account()),
  });
  env = {
    MAILGATE_STORE: 'secretsmanager',
    MAILGATE_SECRET_PREFIX: 'mailgate/',
    MAILGATE_SECRET_CACHE_SECONDS: '0',
    MAILGATE_LOG_LEVEL: 'error',
  };
  const { admin } = createAdminLambdaDeps({ env, secretsManagerClient: secrets.client });
  ({ token } = await admin.createToken({ accounts: [ACCOUNT], scope: 'write' }));
  dynalite = await startDynalite();
  tableName = `webhooks-${randomUUID()}`;
  await dynalite.createTable(tableName);
  sqs = createSqsCapture();
  app = createApp(
    createLambdaDeps({
      env: { ...env, MAILGATE_WEBHOOK_TABLE: tableName, MAILGATE_WEBHOOK_QUEUE_URL: sqs.queueUrl },
      secretsManagerClient: secrets.client,
      webhookClients: { dynamoClient: dynalite.client, sqsClient: sqs.client },
    }),
  );
});

afterAll(async () => {
  await dynalite?.close();
});

function call(method: string, path: string, body?: unknown): Promise<Response> {
  return Promise.resolve(
    app.request(`https://api.example.com/v1/accounts/${ACCOUNT}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
}

describe('the API function with webhooks on', () => {
  test('stores webhooks in the table, refuses private receivers, and wakes delivery after a ping and a re-enable only', async () => {
    const refused = await call('POST', '/webhooks', { url: 'http://127.0.0.1:8080/hook' });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);

    const created = await call('POST', '/webhooks', { url: PUBLIC_URL });
    expect(created.status).toBe(201);
    const webhook = (await created.json()) as { id: string; secret: string };
    const table = createDynamoWebhookRepository({ client: dynalite.client, tableName });
    expect(await table.get(ACCOUNT, webhook.id)).toMatchObject({ url: PUBLIC_URL, status: 'active' });
    // Creating queues nothing: no wake-up.
    expect(sqs.sent).toEqual([]);

    const ping = await call('POST', `/webhooks/${webhook.id}/test`);
    expect(ping.status).toBe(202);
    const { id: pingId } = (await ping.json()) as { id: string };
    expect((await table.listQueued(webhook.id, 10)).map((entry) => entry.event.id)).toEqual([pingId]);
    const messages = sqs.take();
    expect(sqs.operations).toEqual(['SendMessageBatch']);
    expect(messages.map((message) => parseWakeUp(message.body))).toEqual([
      { account: ACCOUNT, webhookId: webhook.id },
    ]);
    // The message names the webhook only.
    expect(messages[0]!.body).not.toContain('receiver-secret');
    expect(messages[0]!.body).not.toContain(webhook.secret);

    // Disabled (by the deliverer, say): changing it while it stays disabled wakes nothing; re-enabling does.
    await table.update(ACCOUNT, webhook.id, { status: 'disabled', disabledReason: 'test' });
    expect((await call('PATCH', `/webhooks/${webhook.id}`, { events: ['message.created'] })).status).toBe(
      200,
    );
    expect(sqs.take()).toEqual([]);
    expect((await call('PATCH', `/webhooks/${webhook.id}`, { status: 'active' })).status).toBe(200);
    expect(sqs.take().map((message) => parseWakeUp(message.body))).toEqual([
      { account: ACCOUNT, webhookId: webhook.id },
    ]);

    expect((await call('DELETE', `/webhooks/${webhook.id}`)).status).toBe(204);
    expect(sqs.take()).toEqual([]);
    expect(await table.get(ACCOUNT, webhook.id)).toBeUndefined();
  });
});

describe('the admin function with webhooks on', () => {
  test('removing an account deletes its webhooks from the table, with only the table actions the stack grants it', async () => {
    // Its own client, to record what the admin function asks of the table.
    const operations = new Set<string>();
    const adminClient = new DynamoDBClient({
      endpoint: dynalite.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    adminClient.middlewareStack.add(
      (next, context) => async (args) => {
        operations.add(`dynamodb:${String(context.commandName).replace(/Command$/, '')}`);
        return next(args);
      },
      { step: 'initialize' },
    );
    try {
      const webhookEnv = {
        ...env,
        MAILGATE_WEBHOOK_TABLE: tableName,
        MAILGATE_WEBHOOK_QUEUE_URL: sqs.queueUrl,
      };
      const adminDeps = createAdminLambdaDeps({
        env: { ...webhookEnv, MAILGATE_SECRET_CACHE_SECONDS: '0' },
        secretsManagerClient: secrets.client,
        webhookClients: { dynamoClient: adminClient, sqsClient: sqs.client },
      });
      expect(adminDeps.webhooks).toBeDefined();
      const adminApp = createApp(adminDeps);
      const { token: adminToken } = await adminDeps.admin.createToken({ accounts: '*', scope: 'admin' });

      const first = await call('POST', '/webhooks', { url: PUBLIC_URL });
      const second = await call('POST', '/webhooks', { url: `${PUBLIC_URL}&n=2` });
      expect([first.status, second.status]).toEqual([201, 201]);
      const ids = [((await first.json()) as { id: string }).id, ((await second.json()) as { id: string }).id];
      const table = createDynamoWebhookRepository({ client: dynalite.client, tableName });
      expect((await table.list(ACCOUNT)).map((record) => record.id).sort()).toEqual([...ids].sort());

      const removed = await adminApp.request(`https://api.example.com/v1/accounts/${ACCOUNT}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${adminToken}` },
      });
      expect(removed.status).toBe(204);
      expect(await table.list(ACCOUNT)).toEqual([]);
      for (const id of ids) expect(await table.listCursors(id)).toEqual({});
      expect(operations.size).toBeGreaterThan(0);
      expect(
        [...operations].filter((operation) => !WEBHOOK_ADMIN_TABLE_ACTIONS.includes(operation as never)),
      ).toEqual([]);
      // Deleting wakes nobody.
      expect(sqs.take()).toEqual([]);
    } finally {
      adminClient.destroy();
    }
  });
});
