import type { FetchQueryObject, ImapFlow, SearchObject, StatusQuery } from 'imapflow';
import compiler from 'imapflow/lib/handler/imap-compiler.js';
import type { ImapCompileInput } from 'imapflow/lib/handler/types.js';
import { searchCompiler } from 'imapflow/lib/search-compiler.js';
import { buildStatusQueryAttributes, encodePath, normalizePath } from 'imapflow/lib/tools.js';
import { quoteSearchStrings, type WireToken } from './search-quoting.js';

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
export function compileLine(command: string, attributes: ImapCompileInput['attributes']): string | null {
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

type Atom = { type: 'ATOM'; value: string; section?: unknown[]; partial?: number[] };

/** imapflow's `BODY.PEEK[section]<partial>` item (never BINARY: the queries planned ask for no `binary`). */
function bodyPeek(section: unknown, partial?: number[]): Atom {
  return { type: 'ATOM', value: 'BODY.PEEK', section: ([] as unknown[]).concat(section), partial } as Atom;
}

/** FETCH query keys whose items this builder knows; any other key gives no line. */
const LINE_QUERY_KEYS = new Set([
  'uid',
  'flags',
  'bodyStructure',
  'envelope',
  'internalDate',
  'size',
  'threadId',
  'headers',
  'bodyParts',
]);

/**
 * The `UID FETCH <uid> (…)` line imapflow's `fetchOne(uid, query, {uid: true})`
 * writes on a session with nothing enabled, built item by item in the
 * order its fetch command adds them (UID, FLAGS, BODYSTRUCTURE, ENVELOPE,
 * INTERNALDATE, RFC822.SIZE, the object ids the server's capabilities
 * bring, the header and body sections). Null for a query with an item
 * this does not build (source, labels, macros, binary), when CONDSTORE or
 * QRESYNC is enabled (imapflow adds MODSEQ), or when the line would need a
 * literal. The capabilities are `capabilities` when given (before LOGIN:
 * those the server announced after its last LOGIN), else the client's as
 * they stand. A line built with other capabilities than imapflow has when
 * it sends the command differs from imapflow's, and is simply not claimed
 * (DECISIONS D13).
 */
export function uidFetchLine(
  client: ImapFlow,
  uid: number,
  query: FetchQueryObject,
  capabilities?: { has(name: string): boolean },
): string | null {
  if (!Number.isSafeInteger(uid) || uid < 1) return null;
  for (const [key, wanted] of Object.entries(query)) {
    if (wanted !== undefined && wanted !== false && !LINE_QUERY_KEYS.has(key)) return null;
  }
  if (client.enabled.size > 0) return null;
  const caps = capabilities ?? client.capabilities;
  const items: Atom[] = [];
  if (query.uid) items.push({ type: 'ATOM', value: 'UID' });
  if (query.flags) items.push({ type: 'ATOM', value: 'FLAGS' });
  if (query.bodyStructure) items.push({ type: 'ATOM', value: 'BODYSTRUCTURE' });
  if (query.envelope) items.push({ type: 'ATOM', value: 'ENVELOPE' });
  if (query.internalDate) items.push({ type: 'ATOM', value: 'INTERNALDATE' });
  if (query.size) items.push({ type: 'ATOM', value: 'RFC822.SIZE' });
  if (caps.has('OBJECTID')) items.push({ type: 'ATOM', value: 'EMAILID' });
  else if (caps.has('X-GM-EXT-1')) items.push({ type: 'ATOM', value: 'X-GM-MSGID' });
  if (query.threadId && caps.has('OBJECTID')) items.push({ type: 'ATOM', value: 'THREADID' });
  else if (query.threadId && caps.has('X-GM-EXT-1')) items.push({ type: 'ATOM', value: 'X-GM-THRID' });
  if (!query.uid) items.push({ type: 'ATOM', value: 'UID' });
  if (Array.isArray(query.headers)) {
    const names = query.headers.map((name) => ({ type: 'ATOM', value: name }));
    items.push(bodyPeek([{ type: 'ATOM', value: 'HEADER.FIELDS' }, names]));
  } else if (query.headers) items.push(bodyPeek({ type: 'ATOM', value: 'HEADER' }));
  for (const part of query.bodyParts ?? []) {
    if (typeof part === 'string') {
      items.push(bodyPeek({ type: 'ATOM', value: part.toUpperCase() }));
      continue;
    }
    if (!part || typeof part.key !== 'string' || !part.key) return null;
    let partial: number[] | undefined;
    if (part.start || part.maxLength) {
      partial = [Number(part.start) || 0];
      if (part.maxLength && !Number.isNaN(part.maxLength)) partial.push(Number(part.maxLength));
    }
    items.push(bodyPeek({ type: 'ATOM', value: part.key.toUpperCase() }, partial));
  }
  const list = items.length === 1 ? items[0]! : items;
  return compileLine('UID FETCH', [
    { type: 'SEQUENCE', value: String(uid) },
    list,
  ] as ImapCompileInput['attributes']);
}

/**
 * The `UID SEARCH` line imapflow's `search(query, {uid: true, returnOptions})`
 * writes on a server with `capabilities` (`RETURN (…)` only with ESEARCH),
 * its text values quoted as quoteSearchValues makes every SEARCH; null when
 * it would need a literal (a non-ASCII value). The capabilities may be the
 * ones the server announced after an earlier LOGIN, for a line sent before
 * this session's own: a line that then differs from imapflow's is simply
 * not claimed.
 */
export function uidSearchLine(
  client: ImapFlow,
  query: SearchObject,
  returnOptions: readonly string[],
  capabilities: { has(name: string): boolean },
): string | null {
  const all = Object.keys(query).length === 0 || (Object.keys(query).length === 1 && query.all);
  const connection = { capabilities, enabled: client.enabled } as unknown as ImapFlow;
  const criteria = all
    ? [{ type: 'ATOM', value: 'ALL' }]
    : (searchCompiler(connection, query) as WireToken[]);
  const esearch = returnOptions.length > 0 && capabilities.has('ESEARCH');
  const returned = returnOptions.map((value) => ({ type: 'ATOM', value: value.toUpperCase() }));
  const tokens = esearch ? [{ type: 'ATOM', value: 'RETURN' }, returned, ...criteria] : criteria;
  return compileLine('UID SEARCH', quoteSearchStrings(tokens as WireToken[]) as never);
}
