import type { ListResponse, StatusObject, StatusQuery } from 'imapflow';
import { MailboxNotFoundError, UpstreamUnavailableError } from '../../mail/errors.js';
import { INBOX, isInboxPath, sameMailboxPath } from '../../mail/mailbox-path.js';
import type { MailboxRef, MailboxRole, MailboxStatus } from '../../mail/types.js';
import { listOneMailbox } from '../imapflow/index.js';
import type { ImapSession } from '../session/imap-session.js';
import { fetchMailboxList } from './list-mailboxes.js';
import { assignRoles } from './mailbox-roles.js';
import { encodeMailboxState } from './mailbox-state.js';
import { checkMailboxPath } from './resolve-mailbox.js';

const STATUS_QUERY: StatusQuery = {
  messages: true,
  unseen: true,
  uidNext: true,
  uidValidity: true,
  // Answered only by CONDSTORE servers; asking does not need ENABLE (RFC 7162 §3.1.8).
  highestModseq: true,
};

interface Found {
  entry: Pick<ListResponse, 'path' | 'name'>;
  role: MailboxRole | null;
  status: StatusObject;
}

/**
 * Counts and the `state` token of one mailbox, without selecting it.
 * By path: one `LIST "" path RETURN (SPECIAL-USE STATUS (…))` (RFC 5819)
 * gives existence, role and counts together. By role: the LIST that
 * resolves the role, then one STATUS.
 * @throws MailboxNotFoundError
 */
export async function getMailbox(session: ImapSession, ref: MailboxRef): Promise<MailboxStatus> {
  const found =
    ref.kind === 'path' ? await byPath(session, checkMailboxPath(ref.path)) : await byRole(session, ref.role);
  const { status } = found;
  const uidValidity = status.uidValidity !== undefined ? status.uidValidity.toString() : null;
  const highestModseq = status.highestModseq !== undefined ? status.highestModseq.toString() : null;
  const uidNext = status.uidNext ?? null;
  return {
    path: found.entry.path,
    name: found.entry.name,
    role: found.role,
    total: status.messages ?? 0,
    unseen: status.unseen ?? null,
    uidNext,
    uidValidity,
    highestModseq,
    state:
      uidValidity && highestModseq && uidNext !== null
        ? encodeMailboxState({ uidValidity, highestModseq, uidNext })
        : null,
  };
}

async function byPath(session: ImapSession, path: string): Promise<Found> {
  const listed = await session.run((client) => listOneMailbox(client, path, STATUS_QUERY));
  if (listed === null) return byStatusOnly(session, path);
  const entries = listed.filter((entry) => !entry.flags.has('\\NonExistent'));
  const entry = entries.find((candidate) => sameMailboxPath(candidate.path, path));
  if (!entry || entry.flags.has('\\Noselect')) throw new MailboxNotFoundError();
  const status = entry.status ?? (await statusOf(session, entry.path));
  return { entry, role: assignRoles([entry]).get(entry.path) ?? null, status };
}

async function byRole(session: ImapSession, role: MailboxRole): Promise<Found> {
  if (role === 'inbox') return byPath(session, INBOX);
  const entries = (await fetchMailboxList(session, false)).filter((e) => !e.flags.has('\\NonExistent'));
  const roles = assignRoles(entries);
  const entry = entries.find((candidate) => roles.get(candidate.path) === role);
  if (!entry) throw new MailboxNotFoundError(`No mailbox has the role "${role}".`);
  return { entry, role, status: await statusOf(session, entry.path) };
}

async function byStatusOnly(session: ImapSession, path: string): Promise<Found> {
  const status = await statusOf(session, path);
  const name = path.split('/').pop() ?? path;
  return { entry: { path, name }, role: isInboxPath(path) ? 'inbox' : null, status };
}

async function statusOf(session: ImapSession, path: string): Promise<StatusObject> {
  const status = await session.run((client) => client.status(path, STATUS_QUERY));
  if (!status) throw new UpstreamUnavailableError('The mail server refused the mailbox status.');
  return status;
}
