import { InvalidRequestError, MailboxNotFoundError } from '../../mail/errors.js';
import { canonicalMailboxPath, INBOX } from '../../mail/mailbox-path.js';
import type { MailboxRef, MailboxRole } from '../../mail/types.js';
import type { ImapSession } from '../session/imap-session.js';
import { fetchMailboxList } from './list-mailboxes.js';
import { assignRoles } from './mailbox-roles.js';

/**
 * The mailbox path a reference names, INBOX spelled canonically. A path is
 * taken as given (the server says whether it exists when it is opened);
 * `~inbox` is INBOX without a round trip; any other role costs one LIST.
 * @throws MailboxNotFoundError when no mailbox has the role.
 * @throws InvalidRequestError for CR, LF or NUL in a path (they could end a command line).
 */
export async function resolveMailboxPath(session: ImapSession, ref: MailboxRef): Promise<string> {
  if (ref.kind === 'path') return checkMailboxPath(ref.path);
  if (ref.role === 'inbox') return INBOX;
  const path = await findRolePath(session, ref.role);
  if (path === null) throw new MailboxNotFoundError(`No mailbox has the role "${ref.role}".`);
  return canonicalMailboxPath(path);
}

/** The path as commands send it, INBOX spelled canonically. @throws InvalidRequestError for an empty path or CR, LF or NUL in it. */
export function checkMailboxPath(path: string): string {
  if (path === '' || /[\r\n\0]/.test(path)) throw new InvalidRequestError('The mailbox path is invalid.');
  return canonicalMailboxPath(path);
}

async function findRolePath(session: ImapSession, role: MailboxRole): Promise<string | null> {
  const entries = await fetchMailboxList(session, false);
  const roles = assignRoles(entries.filter((entry) => !entry.flags.has('\\NonExistent')));
  for (const [path, assigned] of roles) if (assigned === role) return path;
  return null;
}
