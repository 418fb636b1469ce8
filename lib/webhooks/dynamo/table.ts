import type {
  AttributeDefinition,
  BillingMode,
  GlobalSecondaryIndex,
  KeySchemaElement,
} from '@aws-sdk/client-dynamodb';

/**
 * The webhook table: one table, string keys `pk`/`sk`, and one sparse
 * global secondary index of the webhooks that are not disabled.
 *
 * | item                | pk                  | sk                      |
 * |---------------------|---------------------|-------------------------|
 * | webhook             | `ACCOUNT#<account>` | `WEBHOOK#<id>`          |
 * | locator             | `WEBHOOK#<id>`      | `META`                  |
 * | cursor record       | `WEBHOOK#<id>`      | `CURSOR#<commit>`       |
 * | queue chunk         | `WEBHOOK#<id>`      | `QUEUE#<seq, 16 digits>`|
 * | staged chunk        | `WEBHOOK#<id>`      | `STAGE#<commit>#<n>`    |
 *
 * The webhook item is keyed by account, so an account's routes reach only
 * its own webhooks, and a parallel Scan of the `active` index (partition key
 * `activeAccount`, present only while the webhook is not disabled) keeps an
 * account's webhooks in one segment. Everything that hangs off a webhook
 * lives in its own partition; the locator names the account, so calls
 * that carry only the webhook id find the webhook item.
 */
export const WEBHOOK_TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  activeIndex: 'active',
  activeIndexPartitionKey: 'activeAccount',
} as const;

export interface WebhookTableDefinition {
  AttributeDefinitions: AttributeDefinition[];
  KeySchema: KeySchemaElement[];
  GlobalSecondaryIndexes: GlobalSecondaryIndex[];
  BillingMode: BillingMode;
}

/**
 * The attributes the store reads from the `active` index besides the keys:
 * an index projecting only these (INCLUDE) is written to only when a
 * webhook's record or head due time changes, not at every commit.
 */
export const ACTIVE_INDEX_ATTRIBUTES = ['rec', 'headDueAt', 'headNextAttemptAt'] as const;

/** What CreateTable takes (without the name): the same for the CDK construct and the tests. */
export function webhookTableDefinition(): WebhookTableDefinition {
  const { partitionKey, sortKey, activeIndex, activeIndexPartitionKey } = WEBHOOK_TABLE_KEYS;
  return {
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: 'S' },
      { AttributeName: sortKey, AttributeType: 'S' },
      { AttributeName: activeIndexPartitionKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: activeIndex,
        KeySchema: [
          { AttributeName: activeIndexPartitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  };
}

export const accountKey = (account: string) => `ACCOUNT#${account}`;
export const webhookSortKey = (id: string) => `WEBHOOK#${id}`;
export const webhookPartition = (id: string) => `WEBHOOK#${id}`;
export const LOCATOR_SORT_KEY = 'META';
export const cursorSortKey = (commit: string) => `CURSOR#${commit}`;
export const queueSortKey = (seq: number) => `QUEUE#${String(seq).padStart(16, '0')}`;
export const stagedSortKey = (commit: string, n: number) => `STAGE#${commit}#${String(n).padStart(6, '0')}`;
export const stagedPrefix = (commit: string) => `STAGE#${commit}#`;
