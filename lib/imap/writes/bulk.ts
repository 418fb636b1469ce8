import type { ImapFlow } from 'imapflow';
import type { MailgateError } from '../../mail/errors.js';
import { encodeImapMessageId } from '../../mail/ids.js';
import type { MailboxRef } from '../../mail/types.js';
import type { BulkAction, BulkResult, BulkTarget } from '../../mail/writes.js';
import { resolveMailboxPath } from '../read/resolve-mailbox.js';
import type { ImapSession } from '../session/imap-session.js';
import { mapImapError } from '../session/map-imap-error.js';
import { formatUidSet, splitUids } from '../wire/uid-set.js';
import { checkBulkSize, selectBulkTarget } from './bulk-target.js';
import { findTrash } from './delete-message.js';
import { type Destination, resolveDestination } from './destination.js';
import { expungeUids, requireUidExpunge } from './expunge-uids.js';
import { checkFlagChange, checkPermanent, flagsToKeep } from './flag-list.js';
import { storeFlags } from './store-flags.js';
import { transferUids } from './transfer-uids.js';

type Plan =
  | { kind: 'flag'; stores: Array<['+FLAGS' | '-FLAGS' | 'FLAGS', string[]]>; keep: string[] }
  | { kind: 'transfer'; mode: 'move' | 'copy'; destination: Destination }
  | { kind: 'expunge' };

/**
 * One action on many messages of one mailbox with one UID-set command per
 * step, not one per message: `UID STORE <set> ±FLAGS.SILENT`, `UID MOVE`
 * or `UID COPY <set>` (COPYUID maps old to new UIDs), or `UID STORE <set>
 * +FLAGS.SILENT (\Deleted)` + `UID EXPUNGE <set>`. A set is split only when
 * its text would pass about 7,000 characters (sparse UIDs, see chunkUidSet).
 * Everything that can refuse the whole call (bad flags, a missing
 * destination, no UIDPLUS where an expunge is needed, too many messages)
 * does so before any change. When a later chunk fails after earlier ones
 * were done, the done ones are reported and the rest fail with the error's
 * code; when nothing was done the error is thrown.
 * @throws MailboxNotFoundError, InvalidRequestError, UnsupportedOperationError
 */
export async function bulk(
  session: ImapSession,
  ref: MailboxRef,
  target: BulkTarget,
  action: BulkAction,
): Promise<BulkResult> {
  checkBulkSize(target);
  const path = await resolveMailboxPath(session, ref);
  const plan = await planAction(session, path, action);
  const mailbox = await session.open(
    path,
    plan.kind === 'transfer' && plan.mode === 'copy' ? 'read' : 'write',
  );

  return session.run(async (client) => {
    if (plan.kind === 'flag')
      checkPermanent(plan.keep, client.mailbox ? client.mailbox.permanentFlags : undefined);
    const selection = await selectBulkTarget(client, path, mailbox.uidValidity, target);
    const result: BulkResult = { matched: selection.uids.length, done: 0, failed: [...selection.failed] };
    if (plan.kind === 'transfer') result.ids = {};
    const chunks = splitUids(selection.uids);
    let stopped: MailgateError | null = null;
    for (const chunk of chunks) {
      if (stopped) {
        for (const uid of chunk) result.failed.push({ id: selection.idOf.get(uid)!, code: stopped.code });
        continue;
      }
      try {
        await applyChunk(client, plan, chunk, selection.idOf, result);
      } catch (error) {
        stopped = mapImapError(error);
        if (result.done === 0) throw stopped;
        for (const uid of chunk) result.failed.push({ id: selection.idOf.get(uid)!, code: stopped.code });
      }
    }
    return result;
  });
}

async function planAction(session: ImapSession, path: string, action: BulkAction): Promise<Plan> {
  if (action.action === 'flag') {
    const change = checkFlagChange(action.flags);
    const stores: Extract<Plan, { kind: 'flag' }>['stores'] =
      'set' in change
        ? [['FLAGS', change.set]]
        : [
            ['+FLAGS', change.add],
            ['-FLAGS', change.remove],
          ];
    return {
      kind: 'flag',
      stores: stores.filter(([op, flags]) => op === 'FLAGS' || flags.length > 0),
      keep: flagsToKeep(change),
    };
  }
  let destination: Destination | null;
  let mode: 'move' | 'copy';
  if (action.action === 'delete') {
    destination = action.permanent ? null : await findTrash(session);
    if (destination?.path === path) destination = null;
    mode = 'move';
  } else {
    destination = await resolveDestination(session, action.to);
    mode = action.action;
  }
  const capabilities = await session.capabilities();
  if (destination === null || (mode === 'move' && !capabilities.has('MOVE'))) {
    await session.run(async (client) => requireUidExpunge(client, 'This bulk action'));
  }
  return destination === null ? { kind: 'expunge' } : { kind: 'transfer', mode, destination };
}

async function applyChunk(
  client: ImapFlow,
  plan: Plan,
  chunk: number[],
  idOf: Map<number, string>,
  result: BulkResult,
): Promise<void> {
  const set = formatUidSet(chunk);
  if (plan.kind === 'flag') {
    for (const [operation, flags] of plan.stores)
      await storeFlags(client, set, operation, flags, { silent: true });
    result.done += chunk.length;
  } else if (plan.kind === 'expunge') {
    await expungeUids(client, chunk);
    result.done += chunk.length;
  } else {
    const copyUid = await transferUids(client, chunk, plan.destination.path, plan.mode);
    if (copyUid === null && !client.capabilities.has('UIDPLUS')) {
      // Without COPYUID the server does not say which went where; COPY and MOVE
      // are all-or-nothing per command (RFC 9051 §6.4.7, RFC 6851 §3.3).
      result.done += chunk.length;
      return;
    }
    for (const uid of chunk) {
      const newUid = copyUid?.uids.get(uid);
      const id = idOf.get(uid)!;
      if (newUid === undefined) {
        result.failed.push({ id, code: 'message_not_found' });
        continue;
      }
      result.done += 1;
      result.ids![id] = encodeImapMessageId(plan.destination.path, {
        uidValidity: copyUid!.uidValidity,
        uid: newUid,
      });
    }
  }
}
