import { MailboxNotFoundError, UpstreamUnavailableError } from '../../mail/errors.js';
import type { MailboxRef } from '../../mail/types.js';
import { resolveMailboxPath } from '../read/resolve-mailbox.js';
import type { ImapSession } from '../session/imap-session.js';
import { listMailbox, refusalOr } from './refusal.js';

/** A mailbox messages are about to be copied, moved or appended into. */
export interface Destination {
  path: string;
  uidValidity: string;
  /** Where the server's next UID starts; finds new messages when it sends no COPYUID/APPENDUID. */
  uidNext: number | null;
}

/** What STATUS asks of a destination; fixed so the command can be pipelined with LOGIN. */
export const DESTINATION_STATUS = { uidValidity: true, uidNext: true } as const;

/**
 * Resolves a destination and proves it can take messages before anything
 * changes: `STATUS <path> (UIDVALIDITY UIDNEXT)` (after the LIST that
 * resolves a role). A mailbox that is missing or cannot hold messages
 * (`\Noselect`) has no UIDVALIDITY. A STATUS refused with a plain NO is
 * told apart by a LIST of the name: missing or `\Noselect` is
 * MailboxNotFoundError, a mailbox that is there UpstreamUnavailableError.
 * @throws MailboxNotFoundError, InvalidRequestError (bad path), UpstreamUnavailableError
 */
export async function resolveDestination(session: ImapSession, ref: MailboxRef): Promise<Destination> {
  const path = await resolveMailboxPath(session, ref);
  const status = await session.run(async (client) => {
    const found = await client.status(path, DESTINATION_STATUS);
    // imapflow answers false for a NO once its LIST found something by that name:
    // a mailbox that can hold messages was then refused for a reason the server kept to itself.
    if (!found && client.usable && (await listMailbox(client, path))?.selectable) {
      throw new UpstreamUnavailableError('The mail server refused the status of the destination mailbox.');
    }
    if (!found || found.uidValidity === undefined) {
      throw refusalOr(
        client,
        () => new MailboxNotFoundError('The destination mailbox does not exist or cannot hold messages.'),
      );
    }
    return { uidValidity: found.uidValidity, uidNext: found.uidNext };
  });
  return {
    path,
    uidValidity: status.uidValidity.toString(),
    uidNext: typeof status.uidNext === 'number' ? status.uidNext : null,
  };
}
