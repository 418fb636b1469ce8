/**
 * Every reach past imapflow's typed public surface (its private fields,
 * `run`/`exec`, its command compiler and tools), checked against the exact
 * imapflow version pinned in package.json by
 * test/unit/imap/imapflow-internals-shape.test.ts. The rest of lib/imap
 * imports these through this file only (test/unit/imap/imapflow-boundary.test.ts).
 */
export {
  type ParsedResponse,
  type ResponseItem,
  type ResponseNode,
  transportSocketOf,
  type UntaggedHandler,
} from './client-internals.js';
export {
  listAllCommandLine,
  openCommandLine,
  statusCommandLine,
  uidFetchFlagsLine,
  uidFetchLine,
  uidSearchLine,
} from './command-lines.js';
export {
  type CommandAttribute,
  mailboxArgument,
  responseCodeArgs,
  responseCodeOf,
  sendCommand,
} from './exec.js';
export { type FetchItem, fetchWithBinarySizes, fetchWithItems } from './fetch-extras.js';
export { findListedPath, listOneMailbox } from './list.js';
export { isClosing, isQuiet } from './quiet-state.js';
export {
  quoteMailboxNames,
  quoteSearchStrings,
  quoteSearchValues,
  type WireToken,
} from './search-quoting.js';
export { guardStaleSelection, skipListBeforeSelect, unselectMailbox } from './selection.js';
export { enableExtensions, requestServerId, skipSessionPreamble } from './session-preamble.js';
export {
  MAX_SORTED_UIDS,
  sortCommandLine,
  sortUids,
  threadCommandLine,
  threadUids,
} from './sort-thread.js';
