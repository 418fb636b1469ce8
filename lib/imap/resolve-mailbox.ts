import { MailboxNotFoundError } from '../mail/errors.js';
import type { MailboxRef, MailboxRole } from '../mail/types.js';
import type { ImapSession } from './imap-session.js';
import { fetchMailboxList } from './list-mailboxes.js';
import { assignRoles } from './mailbox-roles.js';

/**
 * The mailbox path a reference names. A path is taken as given (the server
 * says whether it exists when it is opened); `~inbox` is INBOX without a
 * round trip; any other role costs one LIST.
 * @throws MailboxNotFoundError when no mailbox has the role.
 */
export async function resolveMailboxPath(session: ImapSession, ref: MailboxRef): Promise<string> {
  if (ref.kind === 'path') return ref.path;
  if (ref.role === 'inbox') return 'INBOX';
  const path = await findRolePath(session, ref.role);
  if (path === null) throw new MailboxNotFoundError(`No mailbox has the role "${ref.role}".`);
  return path;
}

async function findRolePath(session: ImapSession, role: MailboxRole): Promise<string | null> {
  const entries = await fetchMailboxList(session, false);
  const roles = assignRoles(entries.filter((entry) => !entry.flags.has('\\NonExistent')));
  for (const [path, assigned] of roles) if (assigned === role) return path;
  return null;
}
