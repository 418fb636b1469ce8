export { ImapMailStore } from './imap-mail-store.js';
export { createImapStoreFactory } from './imap-store-factory.js';
export {
  type ConnectionPoolOptions,
  createImapConnectionPool,
  ImapConnectionPool,
} from './pool/connection-pool.js';
export { poolOptionsFromEnv } from './pool/pool-config.js';
export { decodeMailboxState, encodeMailboxState, type MailboxState } from './read/mailbox-state.js';
export { capabilitiesForServer, imapCapabilities } from './session/imap-capabilities.js';
export { mapImapError } from './session/map-imap-error.js';
