import type { ImapFlow } from 'imapflow';
import { MailboxNotFoundError, type MailgateError, UpstreamUnavailableError } from '../../mail/errors.js';
import { listOneMailbox } from '../imapflow/index.js';
import { refusalOf } from '../session/imap-refusal.js';
import { mapImapError } from '../session/map-imap-error.js';

/**
 * imapflow answers `false` both when the server said NO and when the
 * connection died under the command. Only the first may be read as "no such
 * mailbox/message"; the second must surface as a failure whose outcome is
 * unknown, or a cut connection would be reported as a missing message.
 */
export function refusalOr(client: ImapFlow, refusal: () => MailgateError): MailgateError {
  if (!client.usable) {
    return new UpstreamUnavailableError('The connection to the mail server was lost during the operation.');
  }
  return refusal();
}

/**
 * True when the server refused with a plain NO: no response code, or one
 * mapImapError has no meaning for. Its words may be in any language
 * ("Mailbox does not exist", "Postfach existiert nicht"), so only the
 * command and the state of the account can tell what it meant.
 */
export function isPlainRefusal(error: unknown): boolean {
  const mapped = mapImapError(error);
  return mapped.code === 'upstream_unavailable' && refusalOf(mapped.cause)?.status === 'NO';
}

/** What `LIST "" <path>` says about one mailbox. */
export interface ListedMailbox {
  /** Listed, and not `\NonExistent` (RFC 5258 §3.4). */
  exists: boolean;
  /** Exists and can hold messages (no `\Noselect`). */
  selectable: boolean;
  hasChildren: boolean;
}

/**
 * One `LIST "" <path>`, sent only after a refusal, to learn whether the
 * mailbox is there. A name is matched ignoring case: a server lists another
 * case of it only when it folds case itself, and then it is the same
 * mailbox to that server. Null when the LIST fails: then nothing is known.
 */
export async function listMailbox(client: ImapFlow, path: string): Promise<ListedMailbox | null> {
  const entries = await listOneMailbox(client, path, {}).catch(() => null);
  if (entries === null) return null;
  const wanted = path.toUpperCase();
  const matching = entries.filter((entry) => {
    const listed = entry.path.toUpperCase();
    return listed === wanted || (entry.delimiter !== '' && `${listed}${entry.delimiter}` === wanted);
  });
  const has = (entry: (typeof matching)[number], flag: string) =>
    [...entry.flags].some((listed) => listed.toLowerCase() === flag);
  const exists = matching.filter((entry) => !has(entry, '\\nonexistent'));
  return {
    exists: exists.length > 0,
    selectable: exists.some((entry) => !has(entry, '\\noselect')),
    hasChildren: matching.some((entry) => has(entry, '\\haschildren')),
  };
}

/**
 * The error to report for a command that named `path` as a mailbox to act
 * on or put messages in (DELETE, APPEND, COPY, MOVE): MailboxNotFoundError
 * when the server refused with a plain NO and LIST shows no mailbox there
 * that can hold messages; `error` unchanged otherwise (a coded refusal is
 * already mapped, a lost connection stays a lost connection).
 */
export async function missingMailboxOr(client: ImapFlow, path: string, error: unknown): Promise<unknown> {
  if (!isPlainRefusal(error)) return error;
  const listed = await listMailbox(client, path);
  if (!listed || listed.selectable) return error;
  return new MailboxNotFoundError(undefined, { cause: mapImapError(error) });
}
