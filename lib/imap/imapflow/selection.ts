import type { ImapFlow } from 'imapflow';
import { normalizePath } from 'imapflow/lib/tools.js';
import { internalsOf, type RunFunction } from './client-internals.js';
import { isClosing } from './quiet-state.js';

/**
 * Selecting and leaving mailboxes around imapflow's `mailboxOpen`: its
 * LIST before SELECT skipped, a selection left without expunging, and a
 * kept connection's old selection left before anything else is sent.
 */

/**
 * imapflow's SELECT/EXAMINE first sends `LIST "" <path>` unless the path is
 * in its folder cache, only to copy the delimiter and special-use flags onto
 * the mailbox object, which we do not use. Entering the path in that cache
 * skips the LIST. A missing mailbox is still detected: EXAMINE fails with NO
 * and imapflow then runs its own LIST to set `mailboxMissing`.
 */
export function skipListBeforeSelect(client: ImapFlow, path: string): void {
  const cache = internalsOf(client).folders;
  if (!(cache instanceof Map)) return;
  const key = normalizePath(client, path);
  if (!cache.has(key)) cache.set(key, { path: key, flags: new Set<string>(), listed: true });
}

/**
 * Leaves the selected mailbox without expunging: UNSELECT (RFC 3691) where
 * the server has it; otherwise EXAMINE it again and CLOSE, which removes
 * nothing from a read-only selection (RFC 9051 §6.4.1). A plain CLOSE of a
 * read-write selection would expunge every \Deleted message.
 */
export async function unselectMailbox(client: ImapFlow): Promise<void> {
  const runner = internalsOf(client);
  const mailbox = client.mailbox;
  if (!mailbox || typeof runner.run !== 'function') return;
  if (client.capabilities.has('UNSELECT')) {
    await runner.run.call(client, 'CLOSE', { unselect: true });
    return;
  }
  if (!mailbox.readOnly) await client.mailboxOpen(mailbox.path, { readOnly: true });
  await runner.run.call(client, 'CLOSE');
}

/** Commands that change nothing on the server, whichever mailbox is selected. */
const SELECTION_SAFE = new Set(['SELECT', 'EXAMINE', 'STATUS', 'LIST', 'LSUB', 'NOOP', 'CAPABILITY', 'ID']);

/**
 * A kept connection may still have the previous request's mailbox selected,
 * and a server may end that session only after it ran the next command:
 * Dovecot, when another session deleted the selected mailbox, runs an APPEND
 * and then answers `* BYE IMAP session state is inconsistent` instead of the
 * tagged OK. Until the request selects a mailbox of its own, any command but
 * a harmless one is therefore preceded by leaving the old selection
 * (unselectMailbox), so a session the server has condemned fails on a
 * command that changed nothing, and the command itself is never sent.
 * Wraps imapflow's `run` (its methods: leaving first keeps e.g. APPEND from
 * planning for a selection about to go) and `exec` (every command, the
 * writes' sendCommand too). Returns the function that removes the guard.
 */
export function guardStaleSelection(client: ImapFlow): () => void {
  const entries = internalsOf(client) as { run?: RunFunction; exec?: RunFunction };
  const stale = client.mailbox;
  const originals = { run: entries.run, exec: entries.exec };
  if (typeof originals.run !== 'function' || typeof originals.exec !== 'function' || !stale) {
    return () => undefined;
  }
  let armed = true;
  const leaveFirst = async (command: string): Promise<void> => {
    if (!armed || client.mailbox !== stale || SELECTION_SAFE.has(command.toUpperCase())) return;
    armed = false;
    await unselectMailbox(client).catch(() => undefined);
    if (isClosing(client)) {
      throw Object.assign(new Error('The kept connection closed while leaving its old mailbox.'), {
        code: 'NoConnection',
      });
    }
  };
  const wrap = (original: RunFunction): RunFunction =>
    async function (this: unknown, command: string, ...args: unknown[]) {
      await leaveFirst(command);
      return original.call(this, command, ...args);
    };
  const guarded = { run: wrap(originals.run), exec: wrap(originals.exec) };
  entries.run = guarded.run;
  entries.exec = guarded.exec;
  return () => {
    armed = false;
    if (entries.run === guarded.run) entries.run = originals.run;
    if (entries.exec === guarded.exec) entries.exec = originals.exec;
  };
}
