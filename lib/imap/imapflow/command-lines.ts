import type { ImapFlow, StatusQuery } from 'imapflow';
import compiler from 'imapflow/lib/handler/imap-compiler.js';
import type { ImapCompileInput } from 'imapflow/lib/handler/types.js';
import { buildStatusQueryAttributes, encodePath, normalizePath } from 'imapflow/lib/tools.js';

/**
 * The exact lines imapflow will write for the first commands of a request,
 * after their tag and without CRLF, built with its own command compiler and
 * path encoding so the bytes are the same: the pipelining socket sends them
 * in LOGIN's flight and swallows imapflow's identical command (DECISIONS D13).
 */

/** `LIST "" "*"`: every mailbox's name, with no extension asked for, so the line is the same before and after LOGIN. */
export const LIST_ALL = [
  { type: 'STRING', value: '' },
  { type: 'STRING', value: '*' },
];

/** One command compiled as imapflow would; null when it would need a literal (it could not be pipelined). */
function compileLine(command: string, attributes: ImapCompileInput['attributes']): string | null {
  const parts = compiler({ tag: 'T', command, attributes }, { asArray: true }) as Buffer[];
  if (parts.length !== 1 || !parts[0]) return null;
  const line = parts[0].toString('latin1');
  return /[\r\n]|\{\d+\+?\}/.test(line) ? null : line.slice(2);
}

/** A mailbox name as SELECT and STATUS send it: a quoted string always (quoteMailboxNames in search-quoting.ts). */
function mailboxAttribute(client: ImapFlow, path: string): { type: string; value: string } {
  return { type: 'STRING', value: encodePath(client, normalizePath(client, path)) };
}

/**
 * The SELECT/EXAMINE line imapflow's `mailboxOpen(path)` will write, or null
 * when the command would need a literal.
 */
export function openCommandLine(client: ImapFlow, path: string, readOnly: boolean): string | null {
  return compileLine(readOnly ? 'EXAMINE' : 'SELECT', [mailboxAttribute(client, path)]);
}

/** The `LIST "" "*"` line `findListedPath` writes, for pipelining with LOGIN. */
export function listAllCommandLine(): string {
  const parts = compiler({ tag: 'T', command: 'LIST', attributes: LIST_ALL }, { asArray: true }) as Buffer[];
  return (parts[0] ?? Buffer.alloc(0)).toString('latin1').slice(2);
}

/**
 * The STATUS line imapflow's `status(path, query)` will write, or null when
 * it would need a literal. Only items that do not depend on capabilities
 * learnt at login (MESSAGES, UIDNEXT, UIDVALIDITY, UNSEEN) give the same
 * bytes before and after LOGIN.
 */
export function statusCommandLine(client: ImapFlow, path: string, query: StatusQuery): string | null {
  return compileLine('STATUS', [mailboxAttribute(client, path), buildStatusQueryAttributes(client, query)]);
}

/**
 * The `UID FETCH <uid> (UID FLAGS)` line imapflow's `fetchOne(uid, {uid, flags}, {uid: true})`
 * writes on a session with nothing enabled (no CONDSTORE: no MODSEQ item).
 */
export function uidFetchFlagsLine(uid: number): string | null {
  return compileLine('UID FETCH', [
    { type: 'SEQUENCE', value: String(uid) },
    [
      { type: 'ATOM', value: 'UID' },
      { type: 'ATOM', value: 'FLAGS' },
    ],
  ]);
}
