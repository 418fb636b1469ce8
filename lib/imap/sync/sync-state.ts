import { InvalidRequestError } from '../../mail/errors.js';
import { decodeFieldsToken, encodeFieldsToken } from '../../mail/opaque-token.js';
import { decodeMailboxState, encodeMailboxState } from '../read/mailbox-state.js';

/**
 * Where a client stands in one mailbox's history. Every created or updated
 * message with a mod-sequence up to `modseq` has been reported, and every
 * removal up to `removedModseq`; UIDs from `uidNext` on are new to the client.
 *
 * The two mod-sequences differ only on an intermediate page of `changes`:
 * removals carry no mod-sequence in IMAP (VANISHED lists UIDs only,
 * RFC 7162 §3.2.10), so a page reports all of them at once and remembers how
 * far that went, while flag changes are paged by mod-sequence.
 */
export interface SyncState {
  uidValidity: string;
  modseq: bigint;
  removedModseq: bigint;
  uidNext: number;
}

const PAGE_PREFIX = 's2.';
const DECIMAL = /^[0-9]{1,20}$/;

/**
 * The opaque token: the mailbox status format (`s1.`) when both
 * mod-sequences agree, so a finished sync hands out the same kind of token
 * as GET mailbox; `s2.` with the removal watermark on an intermediate page.
 */
export function encodeSyncState(state: SyncState): string {
  if (state.modseq === state.removedModseq) {
    return encodeMailboxState({
      uidValidity: state.uidValidity,
      highestModseq: state.modseq.toString(),
      uidNext: state.uidNext,
    });
  }
  const fields = [state.uidValidity, state.modseq, state.uidNext, state.removedModseq].map(String);
  return encodeFieldsToken(PAGE_PREFIX, fields);
}

/** @throws InvalidRequestError when the token was not made here or by encodeMailboxState. */
export function decodeSyncState(token: string): SyncState {
  if (!token.startsWith(PAGE_PREFIX)) {
    const state = decodeMailboxState(token);
    const modseq = BigInt(state.highestModseq);
    return { uidValidity: state.uidValidity, modseq, removedModseq: modseq, uidNext: state.uidNext };
  }
  const invalid = () => new InvalidRequestError('The state token is malformed.');
  const parts = decodeFieldsToken(PAGE_PREFIX, token);
  if (parts === null || parts.length !== 4) throw invalid();
  const [uidValidity, modseq, uidNext, removedModseq] = parts as [string, string, string, string];
  if (![uidValidity, modseq, removedModseq].every((part) => DECIMAL.test(part))) throw invalid();
  if (!/^[0-9]{1,10}$/.test(uidNext)) throw invalid();
  return {
    uidValidity,
    modseq: BigInt(modseq),
    removedModseq: BigInt(removedModseq),
    uidNext: Number(uidNext),
  };
}
