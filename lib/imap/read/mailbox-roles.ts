import { isInboxPath } from '../../mail/mailbox-path.js';
import type { MailboxRole } from '../../mail/types.js';

/** RFC 6154 attributes (and RFC 5258's \All, \Flagged) → roles. */
const SPECIAL_USE_ROLES: ReadonlyMap<string, MailboxRole> = new Map([
  ['\\sent', 'sent'],
  ['\\drafts', 'drafts'],
  ['\\trash', 'trash'],
  ['\\junk', 'junk'],
  ['\\archive', 'archive'],
  ['\\all', 'all'],
  ['\\flagged', 'flagged'],
]);

/** Names servers without SPECIAL-USE commonly give these mailboxes, top level or under INBOX. */
const WELL_KNOWN_NAMES: ReadonlyMap<string, MailboxRole> = new Map([
  ['sent', 'sent'],
  ['sent items', 'sent'],
  ['sent mail', 'sent'],
  ['sent messages', 'sent'],
  ['drafts', 'drafts'],
  ['trash', 'trash'],
  ['deleted items', 'trash'],
  ['deleted messages', 'trash'],
  ['junk', 'junk'],
  ['junk e-mail', 'junk'],
  ['junk email', 'junk'],
  ['spam', 'junk'],
  ['archive', 'archive'],
  ['archives', 'archive'],
]);

/** Gmail's system folders, matched by full path. */
const WELL_KNOWN_PATHS: ReadonlyMap<string, MailboxRole> = new Map([
  ['[gmail]/all mail', 'all'],
  ['[google mail]/all mail', 'all'],
  ['[gmail]/starred', 'flagged'],
  ['[google mail]/starred', 'flagged'],
]);

export interface RoleCandidate {
  path: string;
  name: string;
  /** Parent path, '' at top level. */
  parentPath: string;
  flags: ReadonlySet<string>;
}

/** The SPECIAL-USE attribute among a mailbox's LIST flags, as the server spells it. */
export function specialUseOf(flags: ReadonlySet<string>): string | null {
  for (const flag of flags) if (SPECIAL_USE_ROLES.has(flag.toLowerCase())) return flag;
  return null;
}

function roleByName(candidate: RoleCandidate): MailboxRole | null {
  const byPath = WELL_KNOWN_PATHS.get(candidate.path.toLowerCase());
  if (byPath) return byPath;
  const parent = candidate.parentPath;
  if (parent !== '' && !isInboxPath(parent)) return null;
  return WELL_KNOWN_NAMES.get(candidate.name.toLowerCase()) ?? null;
}

/**
 * Gives each role to at most one mailbox: INBOX is `inbox`; SPECIAL-USE
 * attributes win; a well-known name only takes a role no attribute claimed,
 * first in listing order. Returns the role per path.
 */
export function assignRoles(candidates: readonly RoleCandidate[]): Map<string, MailboxRole> {
  const roles = new Map<string, MailboxRole>();
  const taken = new Set<MailboxRole>();
  for (const candidate of candidates) {
    if (isInboxPath(candidate.path)) {
      roles.set(candidate.path, 'inbox');
      taken.add('inbox');
      continue;
    }
    const specialUse = specialUseOf(candidate.flags);
    const role = specialUse ? SPECIAL_USE_ROLES.get(specialUse.toLowerCase()) : undefined;
    if (role && !taken.has(role)) {
      roles.set(candidate.path, role);
      taken.add(role);
    }
  }
  for (const candidate of candidates) {
    if (roles.has(candidate.path) || candidate.flags.has('\\NonExistent')) continue;
    const role = roleByName(candidate);
    if (role && !taken.has(role)) {
      roles.set(candidate.path, role);
      taken.add(role);
    }
  }
  return roles;
}
