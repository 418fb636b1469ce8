export {
  type ConnectionPoolOptions,
  createImapConnectionPool,
  ImapConnectionPool,
} from './connection-pool.js';
export { capabilitiesForServer, imapCapabilities } from './imap-capabilities.js';
export { ImapMailStore } from './imap-mail-store.js';
export { createImapStoreFactory } from './imap-store-factory.js';
export { decodeMailboxState, encodeMailboxState, type MailboxState } from './mailbox-state.js';
export { mapImapError } from './map-imap-error.js';
export { poolOptionsFromEnv } from './pool-config.js';
