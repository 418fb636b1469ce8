import type { ExistsEvent, ExpungeEvent, FlagsEvent, ImapFlow } from 'imapflow';
import type { ChangedRow } from './change-page.js';

/**
 * What the server reported about the selected mailbox while a watch was on:
 * FETCH responses (flag changes, with MODSEQ once CONDSTORE is enabled),
 * VANISHED UIDs (QRESYNC) and whether anything at all happened.
 */
export interface MailboxWatch {
  readonly rows: ChangedRow[];
  /** FETCH responses that lacked a UID or MODSEQ and so cannot be placed in history. */
  readonly incompleteRows: number;
  readonly vanished: Set<number>;
  /** Resolves at the first EXISTS, EXPUNGE, VANISHED or FETCH after the watch began. */
  readonly changed: Promise<void>;
  readonly hasChanged: boolean;
  stop(): void;
}

/**
 * Listens to imapflow's `exists`, `expunge` and `flags` events, which it
 * emits for untagged responses no running command claimed: those of IDLE
 * and NOOP (RFC 2177, RFC 9051 §7) and those of a SELECT with QRESYNC
 * parameters (RFC 7162 §3.2.5). Call `stop()` when done.
 */
export function watchMailbox(client: ImapFlow): MailboxWatch {
  const rows: ChangedRow[] = [];
  const vanished = new Set<number>();
  let incompleteRows = 0;
  let hasChanged = false;
  let signal: () => void = () => undefined;
  const changed = new Promise<void>((resolve) => {
    signal = resolve;
  });
  const notice = () => {
    hasChanged = true;
    signal();
  };
  const onFlags = (event: FlagsEvent) => {
    if (event.uid !== undefined && event.modseq !== undefined) {
      rows.push({ uid: event.uid, modseq: event.modseq, flags: [...event.flags] });
    } else {
      incompleteRows++;
    }
    notice();
  };
  const onExpunge = (event: ExpungeEvent) => {
    if (event.vanished && event.uid !== undefined) vanished.add(event.uid);
    notice();
  };
  const onExists = (_event: ExistsEvent) => notice();
  client.on('flags', onFlags);
  client.on('expunge', onExpunge);
  client.on('exists', onExists);
  return {
    rows,
    get incompleteRows() {
      return incompleteRows;
    },
    vanished,
    changed,
    get hasChanged() {
      return hasChanged;
    },
    stop() {
      client.off('flags', onFlags);
      client.off('expunge', onExpunge);
      client.off('exists', onExists);
    },
  };
}
