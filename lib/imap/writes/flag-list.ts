import { InvalidRequestError, UnsupportedOperationError } from '../../mail/errors.js';
import type { FlagChange } from '../../mail/writes.js';

const SYSTEM_FLAGS = new Map(
  ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'].map((flag) => [flag.toLowerCase(), flag]),
);

/**
 * RFC 9051 §9: flag-keyword is an atom: 7-bit printable characters except
 * atom-specials `( ) { SP % * " \ ]`. Checked here as well as over HTTP
 * because a flag is sent as an atom, unquoted: anything else could change
 * the meaning of the command line.
 */
const ATOM = /^[\x21\x23-\x24\x26-\x27\x2b-\x5b\x5e-\x7a\x7c-\x7e]{1,100}$/;

/**
 * The flags as they go on the wire: system flags in their canonical
 * spelling, keywords as given, duplicates (ignoring case) dropped.
 * @throws InvalidRequestError for `\Recent`, an unknown `\`-flag or a keyword that is not an atom.
 */
export function checkFlags(flags: readonly string[]): string[] {
  const out = new Map<string, string>();
  for (const flag of flags) {
    const canonical = flag.startsWith('\\') ? SYSTEM_FLAGS.get(flag.toLowerCase()) : flag;
    if (canonical === undefined || (!flag.startsWith('\\') && !ATOM.test(flag))) {
      throw new InvalidRequestError(`"${flag.slice(0, 100)}" is not a flag that can be set.`);
    }
    out.set(canonical.toLowerCase(), canonical);
  }
  return [...out.values()];
}

export type CheckedChange = { add: string[]; remove: string[] } | { set: string[] };

/**
 * Validates a whole change. A flag both added and removed is refused: the
 * two STOREs would apply in an order the client did not choose.
 * @throws InvalidRequestError
 */
export function checkFlagChange(change: FlagChange): CheckedChange {
  if ('set' in change) return { set: checkFlags(change.set) };
  const add = checkFlags(change.add);
  const remove = checkFlags(change.remove);
  const added = new Set(add.map((flag) => flag.toLowerCase()));
  const both = remove.find((flag) => added.has(flag.toLowerCase()));
  if (both) throw new InvalidRequestError(`"${both}" is both added and removed.`);
  return { add, remove };
}

/**
 * Refuses keywords the mailbox cannot keep: PERMANENTFLAGS without `\*`
 * lists every flag a STORE will make permanent (RFC 9051 §7.1); a server
 * would otherwise accept the STORE and forget the keyword at logout.
 * @throws UnsupportedOperationError
 */
export function checkPermanent(
  flags: readonly string[],
  permanentFlags: ReadonlySet<string> | undefined,
): void {
  if (!permanentFlags || permanentFlags.size === 0) return;
  const allowed = new Set([...permanentFlags].map((flag) => flag.toLowerCase()));
  if (allowed.has('\\*')) return;
  const refused = flags.find((flag) => !allowed.has(flag.toLowerCase()));
  if (refused) {
    throw new UnsupportedOperationError(`This mailbox does not keep the flag "${refused}".`);
  }
}

/** The flags a change introduces (removals never need permission). */
export function flagsToKeep(change: CheckedChange): string[] {
  return 'set' in change ? change.set : change.add;
}
