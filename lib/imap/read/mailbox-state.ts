import { InvalidRequestError } from '../../mail/errors.js';
import { decodeFieldsToken, encodeFieldsToken } from '../../mail/opaque-token.js';

/**
 * What a mailbox `state` token stands for: enough for a later
 * `changes?since=` to ask CHANGEDSINCE (RFC 7162 §3.1.4) and to tell new
 * messages (UID ≥ uidNext) from changed ones, and to refuse a token from
 * before the mailbox was recreated (UIDVALIDITY changed).
 */
export interface MailboxState {
  /** Decimal strings: both are larger than JavaScript numbers can hold exactly. */
  uidValidity: string;
  highestModseq: string;
  uidNext: number;
}

const PREFIX = 's1.';
const DECIMAL = /^[0-9]{1,20}$/;

/** The opaque token clients pass back; URL-safe. */
export function encodeMailboxState(state: MailboxState): string {
  return encodeFieldsToken(PREFIX, [state.uidValidity, state.highestModseq, String(state.uidNext)]);
}

/** @throws InvalidRequestError when the token was not made by encodeMailboxState. */
export function decodeMailboxState(token: string): MailboxState {
  const invalid = () => new InvalidRequestError('The state token is malformed.');
  const parts = decodeFieldsToken(PREFIX, token);
  if (parts === null || parts.length !== 3) throw invalid();
  const [uidValidity, highestModseq, uidNextText] = parts as [string, string, string];
  if (!DECIMAL.test(uidValidity) || !DECIMAL.test(highestModseq) || !/^[0-9]{1,10}$/.test(uidNextText)) {
    throw invalid();
  }
  return { uidValidity, highestModseq, uidNext: Number(uidNextText) };
}
