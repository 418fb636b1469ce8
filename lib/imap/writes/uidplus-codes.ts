import { type ParsedResponse, responseCodeArgs, responseCodeOf } from '../imapflow/index.js';
import { expandUidSequence } from '../wire/uid-set.js';

/** What a COPYUID response code says (RFC 4315 §3): where each copied or moved UID went. */
export interface CopyUid {
  /** UIDVALIDITY of the destination, as a decimal string. */
  uidValidity: string;
  /** Source UID → destination UID. */
  uids: Map<number, number>;
}

const DECIMAL = /^[1-9][0-9]{0,9}$/;

/**
 * The COPYUID of a COPY's tagged OK or a MOVE's untagged OK (RFC 6851 §4.3),
 * or null when the line has none or it is malformed. A malformed code is
 * dropped whole: pairing a shifted list would hand out other messages' ids.
 */
export function parseCopyUid(response: ParsedResponse): CopyUid | null {
  if (responseCodeOf(response) !== 'COPYUID') return null;
  const [validity, source, destination] = responseCodeArgs(response);
  if (!validity || !DECIMAL.test(validity) || !source || !destination) return null;
  try {
    const from = expandUidSequence(source);
    const to = expandUidSequence(destination);
    if (from.length !== to.length) return null;
    return { uidValidity: validity, uids: new Map(from.map((uid, i) => [uid, to[i]!])) };
  } catch {
    return null;
  }
}

/** Merges several COPYUID codes (one per chunk, or split by the server) into one map. */
export function mergeCopyUids(codes: readonly CopyUid[]): CopyUid | null {
  const first = codes[0];
  if (!first) return null;
  const uids = new Map<number, number>();
  for (const code of codes) {
    if (code.uidValidity !== first.uidValidity) return null;
    for (const [from, to] of code.uids) uids.set(from, to);
  }
  return { uidValidity: first.uidValidity, uids };
}
