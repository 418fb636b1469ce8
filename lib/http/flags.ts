import { z } from '@hono/zod-openapi';
import type { FlagChange } from '../mail/writes.js';

/**
 * Flags a client may set, checked before any store is opened. System flags
 * are matched case-insensitively and sent in their canonical spelling;
 * `\Recent` is the server's alone (RFC 3501 §2.3.2, gone in RFC 9051), and
 * any other `\`-flag is an extension this gateway does not pass through.
 */
export const SYSTEM_FLAGS = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'] as const;

const SYSTEM_BY_LOWER = new Map<string, string>(SYSTEM_FLAGS.map((flag) => [flag.toLowerCase(), flag]));

export const MAX_FLAG_CHARS = 100;
export const MAX_FLAGS_PER_LIST = 100;

/**
 * RFC 9051 §9: a keyword is an atom, 1*ATOM-CHAR, where ATOM-CHAR is any
 * 7-bit CHAR except atom-specials: `(` `)` `{` SP CTL `%` `*` `"` `\` `]`.
 */
const ATOM = /^[\x21\x23-\x24\x26-\x27\x2b-\x5b\x5e-\x7a\x7c-\x7e]+$/;

/** The flag as it goes to the server, or null when it is not one a client may set. */
export function normaliseFlag(value: string): string | null {
  if (value.length === 0 || value.length > MAX_FLAG_CHARS) return null;
  if (value.startsWith('\\')) return SYSTEM_BY_LOWER.get(value.toLowerCase()) ?? null;
  return ATOM.test(value) ? value : null;
}

function flagProblem(value: string): string {
  if (value.toLowerCase() === '\\recent') return '\\Recent is set by the server and cannot be changed';
  if (value.startsWith('\\')) return `must be one of ${SYSTEM_FLAGS.join(' ')} or a keyword`;
  return `must be a keyword of 1–${MAX_FLAG_CHARS} printable ASCII characters without spaces or ( ) { % * " \\ ]`;
}

const flagName = z
  .string()
  .superRefine((value, ctx) => {
    if (normaliseFlag(value) === null) ctx.addIssue({ code: 'custom', message: flagProblem(value) });
  })
  .openapi({ example: '\\Seen', description: 'A system flag or an IMAP keyword such as `$Forwarded`.' });

export const flagListSchema = z.array(flagName).max(MAX_FLAGS_PER_LIST);

/** Normalised, duplicates (ignoring case, as IMAP keywords do) dropped, order kept. */
export function normaliseFlags(values: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const value of values) {
    const flag = normaliseFlag(value);
    if (flag !== null && !seen.has(flag.toLowerCase())) seen.set(flag.toLowerCase(), flag);
  }
  return [...seen.values()];
}

/** `{add, remove}` or `{set}`; a change that changes nothing is refused rather than sent. */
export const flagChangeSchema = z
  .object({
    add: flagListSchema.optional(),
    remove: flagListSchema.optional(),
    set: flagListSchema.optional(),
  })
  .strict()
  .superRefine((change, ctx) => {
    if (change.set !== undefined) {
      if (change.add !== undefined || change.remove !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: "'set' replaces all flags and cannot be combined with add/remove",
        });
      }
      return;
    }
    const add = normaliseFlags(change.add ?? []);
    const remove = normaliseFlags(change.remove ?? []);
    if (add.length === 0 && remove.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: "give 'add' and/or 'remove' with at least one flag, or 'set'",
      });
    }
    const removing = new Set(remove.map((flag) => flag.toLowerCase()));
    const both = add.find((flag) => removing.has(flag.toLowerCase()));
    if (both !== undefined) ctx.addIssue({ code: 'custom', message: `'${both}' is both added and removed` });
  })
  .openapi('FlagChange', {
    description:
      '`{add, remove}` or `{set}` (which replaces every flag; `[]` clears them). System flags are ' +
      '`\\Seen \\Answered \\Flagged \\Deleted \\Draft` (any case); keywords are IMAP atoms of at most ' +
      `${MAX_FLAG_CHARS} characters. \`\\Recent\` cannot be set.`,
  });

export type FlagChangeInput = z.output<typeof flagChangeSchema>;

/** The validated body as the port's FlagChange. */
export function toFlagChange(input: FlagChangeInput): FlagChange {
  if (input.set !== undefined) return { set: normaliseFlags(input.set) };
  return { add: normaliseFlags(input.add ?? []), remove: normaliseFlags(input.remove ?? []) };
}
