/**
 * The write side of the in-memory data, gathered at one import path: the
 * change journal that makes `changes` and `wait` exact, message and mailbox
 * edits, and the filter a bulk call matches with.
 */

export { matchesFilter } from './memory/bulk.js';
export { createMailboxIn, deleteMailboxIn, renameMailboxIn } from './memory/mailboxes.js';
export {
  addRawMessage,
  applyFlagChange,
  expunge,
  messageFromRaw,
  placeCopy,
  setFlags,
} from './memory/message-edits.js';
export {
  changedSince,
  computeChanges,
  currentState,
  deliver,
  listenForChanges,
  newMessageId,
  recordChange,
} from './memory/sync-journal.js';
