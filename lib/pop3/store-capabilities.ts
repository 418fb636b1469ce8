import type { FilterName, StoreCapabilities } from '../mail/types.js';

/** The filters a POP3 store evaluates itself, on headers read with TOP. */
export const POP3_FILTERS: readonly FilterName[] = ['from', 'to', 'subject', 'since', 'before'];

/** POP3 has one mailbox, no flags, no server-side search and no change tracking (RFC 1939). */
export const POP3_CAPABILITIES: StoreCapabilities = Object.freeze({
  mailboxes: false,
  flags: false,
  move: false,
  copy: false,
  append: false,
  changes: false,
  wait: false,
  bulk: false,
  filters: [...POP3_FILTERS],
  // The one order POP3 lists in: arrival, newest first (the highest message number first).
  sort: ['arrival' as const],
  threads: false,
});
