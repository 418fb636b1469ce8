import { MessageNotFoundError } from '../../mail/errors.js';
import type { MessageScope } from '../../mail/types.js';
import type { FlagChange } from '../../mail/writes.js';
import { openMessage } from '../read/open-message.js';
import type { ImapSession } from '../session/imap-session.js';
import { checkFlagChange, checkPermanent, flagsToKeep } from './flag-list.js';
import { refusalOr } from './refusal.js';
import { type StoreOperation, storeFlags } from './store-flags.js';

/**
 * Changes one message's flags and answers with the flags the server reports
 * afterwards: SELECT, then `UID STORE n +FLAGS (…)` and/or `-FLAGS (…)`, or
 * `FLAGS (…)` for a replacement. Additions and removals are relative
 * (never read-modify-write), so concurrent changes by others survive. The
 * FETCH the server sends with a STORE gives the new flags; only when no
 * STORE changed anything does one `UID FETCH n (FLAGS)` follow, which also
 * tells a missing message.
 * @throws MessageNotFoundError, StaleMessageIdError, MailboxNotFoundError,
 *   InvalidRequestError (not an atom, `\Recent`, a flag both added and removed),
 *   UnsupportedOperationError (the mailbox cannot keep that keyword)
 */
export async function updateFlags(
  session: ImapSession,
  scope: MessageScope,
  id: string,
  change: FlagChange,
): Promise<{ id: string; flags: string[] }> {
  const checked = checkFlagChange(change);
  const { uid } = await openMessage(session, scope, id, 'write');
  const stores: Array<[StoreOperation, string[]]> =
    'set' in checked
      ? [['FLAGS', checked.set]]
      : (
          [
            ['+FLAGS', checked.add],
            ['-FLAGS', checked.remove],
          ] satisfies Array<[StoreOperation, string[]]>
        ).filter(([, flags]) => flags.length > 0);

  return session.run(async (client) => {
    checkPermanent(flagsToKeep(checked), client.mailbox ? client.mailbox.permanentFlags : undefined);
    let reported: string[] | null = null;
    for (const [operation, flags] of stores) {
      await storeFlags(client, String(uid), operation, flags, {
        silent: false,
        onFetch: (fetched) => {
          if (fetched.uid === uid) reported = fetched.flags;
        },
      });
    }
    if (reported === null) {
      const row = await client.fetchOne(String(uid), { uid: true, flags: true }, { uid: true });
      if (!row || row.uid !== uid || !row.flags) throw refusalOr(client, () => new MessageNotFoundError());
      reported = [...row.flags].filter((flag) => flag.toLowerCase() !== '\\recent');
    }
    return { id, flags: reported };
  });
}
