import { InvalidRequestError } from '../mail/errors.js';

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
  const body = `${state.uidValidity}.${state.highestModseq}.${state.uidNext}`;
  return `${PREFIX}${Buffer.from(body, 'utf8').toString('base64url')}`;
}

/** @throws InvalidRequestError when the token was not made by encodeMailboxState. */
export function decodeMailboxState(token: string): MailboxState {
  const invalid = () => new InvalidRequestError('The state token is malformed.');
  if (!token.startsWith(PREFIX) || !/^[A-Za-z0-9_-]+$/.test(token.slice(PREFIX.length))) throw invalid();
  const parts = Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8').split('.');
  const [uidValidity, highestModseq, uidNextText] = parts;
  if (parts.length !== 3 || !uidValidity || !highestModseq || !uidNextText) throw invalid();
  if (!DECIMAL.test(uidValidity) || !DECIMAL.test(highestModseq) || !/^[0-9]{1,10}$/.test(uidNextText)) {
    throw invalid();
  }
  return { uidValidity, highestModseq, uidNext: Number(uidNextText) };
}
