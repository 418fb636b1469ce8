import type { ImapFlow } from 'imapflow';
import { mailboxArgument, sendCommand } from '../imapflow/index.js';
import { chunkUidSet } from '../wire/uid-set.js';
import { expungeUids } from './expunge-uids.js';
import { missingMailboxOr } from './refusal.js';
import { type CopyUid, mergeCopyUids, parseCopyUid } from './uidplus-codes.js';

export type TransferMode = 'move' | 'copy';

/**
 * Copies or moves `uids` of the selected mailbox to `destination`, one
 * command per UID-set chunk, and returns what the server reported in
 * COPYUID (null when the server sent none: no UIDPLUS, or nothing was there to copy). A move uses `UID MOVE` (RFC 6851), whose
 * COPYUID comes in an untagged OK before the expunges. Without MOVE it is
 * `UID COPY`, then `UID STORE +FLAGS.SILENT (\Deleted)` and `UID EXPUNGE`
 * of exactly the UIDs COPYUID says were copied: a message is removed from
 * the source only once its copy exists, so a cut connection leaves it in
 * both mailboxes, never in neither. Callers check `requireUidExpunge`
 * first when the server lacks MOVE.
 */
export async function transferUids(
  client: ImapFlow,
  uids: Iterable<number>,
  destination: string,
  mode: TransferMode,
): Promise<CopyUid | null> {
  const useMove = mode === 'move' && client.capabilities.has('MOVE');
  const codes: CopyUid[] = [];
  for (const set of chunkUidSet(uids)) {
    const before = codes.length;
    const collect = (line: Parameters<typeof parseCopyUid>[0]) => {
      const code = parseCopyUid(line);
      if (code) codes.push(code);
    };
    const attributes = [{ type: 'SEQUENCE', value: set } as const, mailboxArgument(client, destination)];
    const tagged = await sendCommand(client, useMove ? 'UID MOVE' : 'UID COPY', attributes, {
      OK: collect,
    }).catch(async (error: unknown) => {
      // The destination was checked before, but may have gone since (or the server says why in words only).
      throw await missingMailboxOr(client, destination, error);
    });
    collect(tagged);
    const chunkCode = mergeCopyUids(codes.slice(before));
    // No COPYUID: nothing is known to have been copied, so nothing is removed.
    if (mode === 'move' && !useMove && chunkCode && chunkCode.uids.size > 0) {
      await expungeUids(client, chunkCode.uids.keys());
    }
  }
  return mergeCopyUids(codes);
}
