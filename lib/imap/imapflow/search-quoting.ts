import type { ImapFlow } from 'imapflow';
import { internalsOf } from './client-internals.js';

/** One argument of a command in imapflow's wire-compiler form, or a parenthesised group of them. */
export type WireToken = { type: string; value?: unknown } | WireToken[];

/**
 * SEARCH keys (RFC 9051 §6.4.4) and how many arguments follow each: `true`
 * for an astring the filter supplied, `false` for one that stays as
 * imapflow wrote it (a flag keyword).
 */
const KEY_ARGUMENTS = new Map<string, boolean[]>([
  ['BCC', [true]],
  ['BODY', [true]],
  ['CC', [true]],
  ['FROM', [true]],
  ['SUBJECT', [true]],
  ['TEXT', [true]],
  ['TO', [true]],
  ['HEADER', [true, true]],
  ['KEYWORD', [false]],
  ['UNKEYWORD', [false]],
]);

function isAtom(token: WireToken | undefined): token is { type: string; value?: unknown } {
  return token !== undefined && !Array.isArray(token) && token.type === 'ATOM';
}

/**
 * The SEARCH arguments with every text value as a quoted string. imapflow
 * sends a value made only of atom characters as a bare atom, and one that
 * starts with a backslash too (as it would a system flag), so a filter for
 * the subject `\Seen` went out as `SUBJECT \Seen`: not an astring, and read
 * by the server as syntax instead of text (API.md: values travel quoted or
 * as literals). Literals (non-ASCII values) and every other token are kept.
 */
export function quoteSearchStrings(tokens: readonly WireToken[]): WireToken[] {
  const out: WireToken[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (Array.isArray(token)) {
      out.push(quoteSearchStrings(token));
      continue;
    }
    out.push(token);
    const key = isAtom(token) ? KEY_ARGUMENTS.get(String(token.value).toUpperCase()) : undefined;
    for (const quote of key ?? []) {
      const argument = tokens[i + 1];
      if (argument === undefined) break;
      i++;
      out.push(
        quote && isAtom(argument) ? { type: 'STRING', value: String(argument.value ?? '') } : argument,
      );
    }
  }
  return out;
}

/** Commands that name mailboxes, and which of their arguments are the names (RFC 9051 §6.3, §6.4.7; RFC 6851). */
const MAILBOX_ARGUMENTS = new Map<string, number[]>([
  ['SELECT', [0]],
  ['EXAMINE', [0]],
  ['CREATE', [0]],
  ['DELETE', [0]],
  ['RENAME', [0, 1]],
  ['SUBSCRIBE', [0]],
  ['UNSUBSCRIBE', [0]],
  ['STATUS', [0]],
  ['APPEND', [0]],
  ['COPY', [1]],
  ['MOVE', [1]],
  ['UID COPY', [1]],
  ['UID MOVE', [1]],
]);

/**
 * The arguments of a command with every mailbox name as a quoted string.
 * imapflow sends a name made only of atom characters as a bare atom, and
 * one that starts with a backslash too (as it would a flag), so a mailbox
 * named `\Seen` went out as `CREATE \Seen`: not an astring. Like a filter
 * value, a name travels quoted, or as a literal where imapflow needs one
 * (8-bit); other commands and arguments are kept.
 */
export function quoteMailboxNames(command: string, tokens: readonly WireToken[]): WireToken[] {
  const positions = MAILBOX_ARGUMENTS.get(command.toUpperCase());
  if (!positions) return [...tokens];
  return tokens.map((token, index) =>
    positions.includes(index) && isAtom(token) ? { type: 'STRING', value: String(token.value ?? '') } : token,
  );
}

/**
 * Makes every command this client sends carry its user values as quoted
 * strings: the text values of a SEARCH (see quoteSearchStrings) and every
 * mailbox name (see quoteMailboxNames). imapflow has no option for it, so
 * its `exec`, through which every command goes, is wrapped for this one
 * client; without an `exec` nothing changes.
 */
export function quoteSearchValues(client: ImapFlow): void {
  const executor = internalsOf(client);
  const original = executor.exec;
  if (typeof original !== 'function') return;
  executor.exec = function (this: unknown, command, attributes, options) {
    let rewritten = attributes;
    if (Array.isArray(attributes)) {
      const search = command === 'SEARCH' || command === 'UID SEARCH';
      const tokens = attributes as WireToken[];
      rewritten = search ? quoteSearchStrings(tokens) : quoteMailboxNames(String(command), tokens);
    }
    return original.call(this, command, rewritten, options);
  };
}
