import type { ListResponse } from 'imapflow';
import type { Mailbox } from '../../mail/types.js';
import type { ImapSession } from '../session/imap-session.js';
import { assignRoles, specialUseOf } from './mailbox-roles.js';

/**
 * One LIST (RETURN SPECIAL-USE SUBSCRIBED, plus STATUS where the server has
 * LIST-STATUS and counts are asked for). Without LIST-EXTENDED imapflow adds
 * an LSUB; without LIST-STATUS it sends one STATUS per mailbox.
 */
export async function fetchMailboxList(session: ImapSession, counts: boolean): Promise<ListResponse[]> {
  return session.run((client) =>
    client.list(counts ? { statusQuery: { messages: true, unseen: true, uidNext: true } } : {}),
  );
}

/** Maps imapflow's LIST entries to the port's flat mailbox list. */
export function toMailboxes(entries: readonly ListResponse[], counts: boolean): Mailbox[] {
  const visible = entries.filter((entry) => !entry.flags.has('\\NonExistent'));
  const roles = assignRoles(visible);
  return visible.map((entry) => {
    const mailbox: Mailbox = {
      path: entry.path,
      name: entry.name,
      parent: entry.parentPath ? entry.parentPath : null,
      delimiter: entry.delimiter || null,
      role: roles.get(entry.path) ?? null,
      specialUse: specialUseOf(entry.flags),
      subscribed: entry.subscribed === true,
    };
    if (counts && !entry.flags.has('\\Noselect')) {
      mailbox.total = entry.status?.messages ?? 0;
      mailbox.unseen = entry.status?.unseen ?? 0;
      mailbox.uidNext = entry.status?.uidNext ?? null;
    }
    return mailbox;
  });
}

/** @throws UpstreamAuthError, UpstreamUnavailableError, UpstreamTimeoutError */
export async function listMailboxes(session: ImapSession, options: { counts: boolean }): Promise<Mailbox[]> {
  return toMailboxes(await fetchMailboxList(session, options.counts), options.counts);
}
