export { changes } from './changes.js';
export { decodeSyncState, encodeSyncState, type SyncState } from './sync-state.js';
export { waitForChange } from './wait-for-change.js';
