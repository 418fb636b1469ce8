import { randomBytes } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  createDynamoWebhookRepository,
  type DynamoWebhookRepository,
} from '../../../lib/webhooks/dynamo/index.js';
import { type DynaliteHandle, startDynalite } from '../../support/dynalite.js';
import { describeWebhookRepositoryContract } from './repository-contract.js';

let dynamo: DynaliteHandle | undefined;
const server = async () => {
  dynamo ??= await startDynalite();
  return dynamo;
};
const freshTable = async () => {
  const handle = await server();
  const name = `webhooks-${randomBytes(6).toString('hex')}`;
  await handle.createTable(name);
  return { handle, name };
};

afterAll(async () => {
  await dynamo?.close();
});

describeWebhookRepositoryContract('DynamoWebhookRepository on dynalite', async ({ now }) => {
  const { handle, name } = await freshTable();
  const open = () => createDynamoWebhookRepository({ client: handle.client, tableName: name, now });
  let repository = open();
  return {
    repository,
    async reopen() {
      await repository.close();
      repository = open();
      return repository;
    },
    async dispose() {
      await repository.close();
    },
  };
});

describe('DynamoWebhookRepository: the table', () => {
  let repo: DynamoWebhookRepository;
  let table: string;
  let handle: DynaliteHandle;
  beforeAll(async () => {
    handle = await server();
  });
  beforeEach(async () => {
    ({ name: table } = await freshTable());
    repo = createDynamoWebhookRepository({ client: handle.client, tableName: table });
  });

  test('placeholder: the table is created and empty', async () => {
    const page = await handle.client.send(new ScanCommand({ TableName: table }));
    expect(page.Count).toBe(0);
    expect(await repo.listActive()).toEqual([]);
  });
});
