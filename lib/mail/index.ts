export * from './errors.js';
export * from './ids.js';
export * from './logger.js';
export type * from './store.js';
export * from './types.js';
