import type { ImapFlow, ListResponse, StatusQuery } from 'imapflow';
import { decodePath, normalizePath } from 'imapflow/lib/tools.js';
import { internalsOf } from './client-internals.js';
import { LIST_ALL } from './command-lines.js';

/**
 * LIST forms imapflow's public `list()` has no way to ask for: one mailbox
 * (its `list()` always lists every one), and every path from a LIST line
 * known before LOGIN (its `list()` picks the form from the capabilities).
 */

/**
 * LIST of one mailbox with RETURN (SPECIAL-USE SUBSCRIBED STATUS (…)) where
 * the server has LIST-EXTENDED/LIST-STATUS (RFC 5258, RFC 5819): existence,
 * special-use attribute and counts in one command, through the LIST command
 * module imapflow's `list()` wraps. Its LSUB fallback (taken when the one
 * listed mailbox is not subscribed) is switched off for this call: callers
 * here do not need the subscription. Null when that command is not reachable.
 */
export async function listOneMailbox(
  client: ImapFlow,
  path: string,
  statusQuery: StatusQuery,
): Promise<ListResponse[] | null> {
  const runner = internalsOf(client);
  if (typeof runner.run !== 'function') return null;
  const skipLsub = runner.skipLsub;
  runner.skipLsub = true;
  try {
    const result = await runner.run.call(client, 'LIST', '', path, { statusQuery });
    return Array.isArray(result) ? (result as ListResponse[]) : null;
  } finally {
    runner.skipLsub = skipLsub;
  }
}

/**
 * The first mailbox path that `matches`, from one `LIST "" "*"` (the line
 * `listAllCommandLine` predicts), each name decoded from modified UTF-7 and
 * normalised as imapflow's `list()` does. Only the match is kept, so a
 * server listing any number of mailboxes costs no memory. Undefined when
 * none matches; null when the command is not reachable.
 */
export async function findListedPath(
  client: ImapFlow,
  matches: (path: string) => boolean,
): Promise<string | undefined | null> {
  const executor = internalsOf(client);
  if (typeof executor.exec !== 'function') return null;
  let found: string | undefined;
  const { next } = await executor.exec.call(client, 'LIST', LIST_ALL, {
    untagged: {
      LIST: (untagged) => {
        if (found !== undefined) return;
        // * LIST (flags) "delimiter" name; a name sent as a literal arrives as a Buffer.
        const node = untagged.attributes?.[2];
        const name = node && !Array.isArray(node) ? node.value : undefined;
        if (typeof name !== 'string' && !Buffer.isBuffer(name)) return;
        const path = normalizePath(client, decodePath(client, name.toString()));
        if (matches(path)) found = path;
      },
    },
  });
  next();
  return found;
}
