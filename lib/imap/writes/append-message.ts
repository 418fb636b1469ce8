import { InvalidRequestError, UpstreamUnavailableError } from '../../mail/errors.js';
import { encodeImapMessageId } from '../../mail/ids.js';
import type { MailboxRef } from '../../mail/types.js';
import type { AppendInput, MessageRef } from '../../mail/writes.js';
import { resolveMailboxPath } from '../read/resolve-mailbox.js';
import type { ImapSession } from '../session/imap-session.js';
import { type Destination, resolveDestination } from './destination.js';
import { checkFlags } from './flag-list.js';
import { locateNewMessage, messageIdHeader } from './locate-new-message.js';
import { missingMailboxOr } from './refusal.js';

/**
 * Stores a message in a mailbox with its flags and INTERNALDATE and returns
 * its id: one `APPEND <path> (flags) "date" {n}` whose APPENDUID (RFC 4315 §3)
 * names the UID. The mailbox is never created: a missing one answers
 * `NO [TRYCREATE]`, or a plain NO that a LIST of the name then explains,
 * either way MailboxNotFoundError. Without UIDPLUS a
 * STATUS first records UIDNEXT, and the UID is found afterwards by the
 * message's Message-ID among the UIDs from there (locateNewMessage).
 * @throws MailboxNotFoundError, InvalidRequestError (empty message, bad flag),
 *   PayloadTooLargeError (over the server's APPENDLIMIT / TOOBIG)
 */
export async function appendMessage(
  session: ImapSession,
  ref: MailboxRef,
  input: AppendInput,
): Promise<MessageRef> {
  const flags = checkFlags(input.flags);
  if (input.raw.length === 0) throw new InvalidRequestError('The message is empty.');
  const path = await resolveMailboxPath(session, ref);
  const uidPlus = (await session.capabilities()).has('UIDPLUS');
  const before: Destination | null = uidPlus
    ? null
    : await resolveDestination(session, { kind: 'path', path });

  const appended = await session.run((client) =>
    client.append(path, input.raw, flags, input.date ?? undefined).catch(async (error: unknown) => {
      throw await missingMailboxOr(client, path, error);
    }),
  );
  if (!appended) throw new UpstreamUnavailableError('The mail server did not store the message.');
  if (typeof appended.uid === 'number' && appended.uidValidity !== undefined) {
    return {
      id: encodeImapMessageId(path, { uidValidity: appended.uidValidity.toString(), uid: appended.uid }),
      mailbox: path,
    };
  }
  const destination = before ?? (await resolveDestination(session, { kind: 'path', path }));
  const uid = await locateNewMessage(session, destination, messageIdHeader(input.raw));
  return { id: encodeImapMessageId(path, { uidValidity: destination.uidValidity, uid }), mailbox: path };
}
