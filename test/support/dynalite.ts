import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { webhookTableDefinition } from '../../lib/webhooks/dynamo/index.js';

/**
 * dynalite (a DynamoDB implementation in Node, in memory) on 127.0.0.1 and
 * the real AWS SDK client pointed at it, for tests and benchmarks of the
 * DynamoDB table code.
 */
export interface DynaliteHandle {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  client: DynamoDBClient;
  /** Creates the webhook table (`webhookTableDefinition`) under `name`; resolves once it is usable. */
  createTable(name: string): Promise<void>;
  /** Resolves once table `name` (and its indexes) is ACTIVE: dynalite creates tables on a timer. */
  waitActive(name: string): Promise<void>;
  /** Destroys the client and stops the server. */
  close(): Promise<void>;
}

type DynaliteFactory = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as DynaliteFactory;

export async function startDynalite(): Promise<DynaliteHandle> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 3,
  });
  async function waitActive(name: string): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      const indexes = Table?.GlobalSecondaryIndexes ?? [];
      if (Table?.TableStatus === 'ACTIVE' && indexes.every((index) => index.IndexStatus === 'ACTIVE')) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`table ${name} did not become ACTIVE`);
  }

  return {
    endpoint,
    client,
    async createTable(name) {
      await client.send(new CreateTableCommand({ TableName: name, ...webhookTableDefinition() }));
      await waitActive(name);
    },
    waitActive,
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
