import type { ImapFlow } from 'imapflow';
import {
  MessageNotFoundError,
  UnsupportedOperationError,
  UpstreamUnavailableError,
} from '../../mail/errors.js';
import { getHeader, parseHeaderBlock } from '../../mime/headers.js';
import type { ImapSession } from '../session/imap-session.js';
import type { Destination } from './destination.js';
import { refusalOr } from './refusal.js';

/** The Message-ID header of one message of the selected mailbox, brackets kept; null when it has none. */
export async function fetchMessageIdHeader(client: ImapFlow, uid: number): Promise<string | null> {
  const row = await client.fetchOne(String(uid), { uid: true, headers: ['message-id'] }, { uid: true });
  if (!row || row.uid !== uid) throw refusalOr(client, () => new MessageNotFoundError());
  return messageIdHeader(row.headers);
}

/** The Message-ID of a header block or a whole message. */
export function messageIdHeader(source: Buffer | undefined): string | null {
  if (!source) return null;
  const value = getHeader(parseHeaderBlock(source).headers, 'message-id')?.trim();
  return value && /^<[^<>\s]+>$/.test(value) ? value : null;
}

/**
 * The UID a message got in `destination` when the server did not say
 * (no UIDPLUS, so no COPYUID/APPENDUID). Candidates are the messages at or
 * above the UIDNEXT read before the copy; with a Message-ID, those that
 * carry it. One candidate, or several copies of the same Message-ID (the
 * first is taken: they are the same message to a client), is an answer.
 * Costs an EXAMINE of the destination and one UID SEARCH.
 * @throws UnsupportedOperationError when the copy cannot be told apart from
 *   other new messages: it was made, but its id is unknown.
 */
export async function locateNewMessage(
  session: ImapSession,
  destination: Destination,
  messageId: string | null,
): Promise<number> {
  await session.open(destination.path, 'read');
  const uids = await session.run(async (client) => {
    const range = `${destination.uidNext ?? 1}:*`;
    const found = await client.search(
      messageId ? { uid: range, header: { 'message-id': messageId } } : { uid: range },
      { uid: true },
    );
    if (!Array.isArray(found))
      throw refusalOr(client, () => new UpstreamUnavailableError('The mail server refused a search.'));
    return found.filter((uid) => uid >= (destination.uidNext ?? 1));
  });
  const sorted = uids.sort((a, b) => a - b);
  if (sorted.length === 1 || (messageId !== null && sorted.length > 1)) return sorted[0]!;
  throw new UnsupportedOperationError(
    'The message was stored, but this mail server (without UIDPLUS) did not report its new id and it ' +
      'could not be told apart from other new messages; list the destination mailbox to find it.',
  );
}
