import { describe, expect, test } from 'vitest';
import { assignRoles, type RoleCandidate, specialUseOf } from '../../../lib/imap/read/mailbox-roles.js';

function buildCandidate(path: string, flags: string[] = [], delimiter = '/'): RoleCandidate {
  const cut = path.lastIndexOf(delimiter);
  return {
    path,
    name: cut === -1 ? path : path.slice(cut + 1),
    parentPath: cut === -1 ? '' : path.slice(0, cut),
    flags: new Set(flags),
  };
}

describe('assignRoles', () => {
  test('SPECIAL-USE attributes win over names, each role goes to one mailbox', () => {
    const roles = assignRoles([
      buildCandidate('INBOX'),
      buildCandidate('Sent Items'),
      buildCandidate('Gesendet', ['\\HasNoChildren', '\\Sent']),
      buildCandidate('Papierkorb', ['\\Trash']),
      buildCandidate('Trash'),
    ]);
    expect(Object.fromEntries(roles)).toEqual({ INBOX: 'inbox', Gesendet: 'sent', Papierkorb: 'trash' });
  });

  test('well-known names when the server has no SPECIAL-USE, top level or under INBOX', () => {
    const roles = assignRoles([
      buildCandidate('INBOX'),
      buildCandidate('INBOX.Sent Messages', [], '.'),
      buildCandidate('INBOX.Drafts', [], '.'),
      buildCandidate('Deleted Items'),
      buildCandidate('Spam'),
      buildCandidate('Archive'),
      buildCandidate('Projects/Sent'),
      buildCandidate('[Gmail]/All Mail'),
      buildCandidate('[Gmail]/Starred'),
    ]);
    expect(Object.fromEntries(roles)).toEqual({
      INBOX: 'inbox',
      'INBOX.Sent Messages': 'sent',
      'INBOX.Drafts': 'drafts',
      'Deleted Items': 'trash',
      Spam: 'junk',
      Archive: 'archive',
      '[Gmail]/All Mail': 'all',
      '[Gmail]/Starred': 'flagged',
    });
  });

  test('\\All and \\Flagged attributes map to all and flagged', () => {
    const roles = assignRoles([
      buildCandidate('Everything', ['\\All']),
      buildCandidate('Stars', ['\\Flagged']),
    ]);
    expect(Object.fromEntries(roles)).toEqual({ Everything: 'all', Stars: 'flagged' });
  });

  test('specialUseOf keeps the server spelling and ignores other attributes', () => {
    expect(specialUseOf(new Set(['\\HasNoChildren', '\\Junk']))).toBe('\\Junk');
    expect(specialUseOf(new Set(['\\Noselect']))).toBeNull();
  });
});
