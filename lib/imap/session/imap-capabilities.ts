import { FILTER_NAMES, type StoreCapabilities } from '../../mail/types.js';

/**
 * What an IMAP account supports, known without connecting. `changes` and
 * `wait` assume CONDSTORE (RFC 7162), which most servers have; a probe
 * makes them exact for one server.
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
  };
}

/** The static capabilities corrected by the server's own CAPABILITY list. */
export function capabilitiesForServer(serverCapabilities: ReadonlySet<string>): StoreCapabilities {
  const condstore = serverCapabilities.has('CONDSTORE') || serverCapabilities.has('QRESYNC');
  // Without IDLE a wait can still poll; without CONDSTORE there is no state to wait on.
  return { ...imapCapabilities(), changes: condstore, wait: condstore };
}
