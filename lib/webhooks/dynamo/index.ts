export {
  createDynamoWebhookRepository,
  DynamoWebhookRepository,
  type DynamoWebhookRepositoryOptions,
  MAX_CONDITIONAL_ATTEMPTS,
  MAX_CURSOR_BYTES,
  MAX_EVENT_BYTES,
  packEvents,
  QUEUE_CHUNK_TARGET_BYTES,
} from './dynamo-webhook-repository.js';
export { WebhookCommitTooLargeError, WebhookStoreContentionError, WebhookStoreError } from './errors.js';
export {
  ACTIVE_INDEX_ATTRIBUTES,
  WEBHOOK_TABLE_KEYS,
  type WebhookTableDefinition,
  webhookTableDefinition,
} from './table.js';
