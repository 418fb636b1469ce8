import type { MailboxRef } from './types.js';

/**
 * The one rule for naming INBOX, for every protocol.
 *
 * RFC 9051 §5.1 (as RFC 3501 §5.1 before it): "The case-insensitive mailbox
 * name INBOX is a special name reserved to mean the primary mailbox [...].
 * The interpretation of all other names is implementation-dependent." So
 * only the whole name is case-insensitive, and only in ASCII: `inbox` and
 * `InBoX` are INBOX, while `inbox/Reports` is taken as typed (whether it is
 * `INBOX/Reports` is the server's call, and LIST gives its spelling), and
 * `ınbox` (dotless i) is some other mailbox.
 */

/** The canonical spelling: what we send, and what ids and answers carry. */
export const INBOX = 'INBOX';

const INBOX_ANY_CASE = /^inbox$/i;

/** Whether a path is INBOX, in any ASCII case. */
export function isInboxPath(path: string): boolean {
  // Without the `u` flag, `i` never folds a non-ASCII letter onto an ASCII one (ı, İ, K stay apart).
  return INBOX_ANY_CASE.test(path);
}

/** INBOX in its canonical spelling, any other path unchanged: a message id never depends on how INBOX was typed. */
export function canonicalMailboxPath(path: string): string {
  return isInboxPath(path) ? INBOX : path;
}

/** Whether two paths name the same mailbox as far as the protocol says: the same text, or both INBOX. */
export function sameMailboxPath(a: string, b: string): boolean {
  return a === b || (isInboxPath(a) && isInboxPath(b));
}

/** Whether a reference names INBOX, by role (`~inbox`) or by path. */
export function isInboxRef(ref: MailboxRef): boolean {
  return ref.kind === 'role' ? ref.role === 'inbox' : isInboxPath(ref.path);
}
