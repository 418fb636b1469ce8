import { FILTER_NAMES, SORT_KEYS, type SortKey, type StoreCapabilities } from '../../mail/types.js';

/**
 * What an IMAP account supports, known without connecting. `changes` and
 * `wait` assume CONDSTORE (RFC 7162), and `sort` SORT (RFC 5256), which
 * most servers have; a probe makes them exact for one server. Threads are
 * always served: from THREAD where the server has it, else from the
 * newest messages' headers.
 */
export function imapCapabilities(): StoreCapabilities {
  return {
    mailboxes: true,
    flags: true,
    move: true,
    copy: true,
    append: true,
    changes: true,
    wait: true,
    bulk: true,
    filters: [...FILTER_NAMES],
    sort: [...SORT_KEYS],
    threads: true,
  };
}

/** The sort keys a server with these capabilities serves: all with SORT, else arrival (UID order) and date (sorted here, sorted-list.ts). */
export function sortKeysFor(serverCapabilities: ReadonlySet<string>): SortKey[] {
  return serverCapabilities.has('SORT') ? [...SORT_KEYS] : ['arrival', 'date'];
}

/** The static capabilities corrected by the server's own CAPABILITY list. */
export function capabilitiesForServer(serverCapabilities: ReadonlySet<string>): StoreCapabilities {
  const condstore = serverCapabilities.has('CONDSTORE') || serverCapabilities.has('QRESYNC');
  // Without IDLE a wait can still poll; without CONDSTORE there is no state to wait on.
  return {
    ...imapCapabilities(),
    changes: condstore,
    wait: condstore,
    sort: sortKeysFor(serverCapabilities),
  };
}
