/**
 * The in-memory stores for HTTP tests, gathered at one import path: the
 * builders, a MailStore that records every call and can hang or fail on
 * demand, the factory that opens it, and a CredentialStore over plain maps.
 */

export {
  buildAccount,
  buildCapabilities,
  buildDownload,
  buildMailbox,
  buildMailData,
  buildMessage,
  buildSummary,
  type MemoryData,
} from './memory/builders.js';
export { BULK_LIMIT } from './memory/bulk.js';
export { MemoryCredentialStore } from './memory/memory-credential-store.js';
export { MemoryMailStore } from './memory/memory-mail-store.js';
export { MemoryStoreFactory } from './memory/memory-store-factory.js';
export type { StoreBehaviour, StoreCall } from './memory/store-behaviour.js';
