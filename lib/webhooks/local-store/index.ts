export { WebhookStoreCorruptError, WebhookStoreError, WebhookStoreLockedError } from './errors.js';
export type { CompactionStep } from './journal.js';
export { LocalWebhookStore } from './local-webhook-store.js';
export {
  DEFAULT_COMPACT_AT_BYTES,
  DEFAULT_WEBHOOK_STORE_DIRECTORY,
  type LocalWebhookStoreOptions,
  openLocalWebhookStore,
} from './open-local-webhook-store.js';
