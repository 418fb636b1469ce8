export { createPop3Client, Pop3Client, type Pop3ClientOptions } from './client.js';
export { mapPop3Error } from './map-error.js';
export type { Pop3TlsOptions } from './open-socket.js';
export { Pop3Capabilities } from './parse-capa.js';
export { DEFAULT_POP3_STORE_OPTIONS, Pop3MailStore, type Pop3StoreOptions } from './pop3-store.js';
export { POP3_CAPABILITIES, POP3_FILTERS } from './store-capabilities.js';
export { createPop3StoreFactory } from './store-factory.js';
