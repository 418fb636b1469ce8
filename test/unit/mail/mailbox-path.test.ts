import { describe, expect, it } from 'vitest';
import {
  canonicalMailboxPath,
  INBOX,
  isInboxPath,
  isInboxRef,
  sameMailboxPath,
} from '../../../lib/mail/mailbox-path.js';

describe('INBOX naming (RFC 9051 §5.1)', () => {
  it.each([
    // The name INBOX is case-insensitive, in ASCII.
    ['INBOX', true],
    ['inbox', true],
    ['Inbox', true],
    ['iNbOx', true],
    // Only the whole name: children and look-alikes are other mailboxes, taken as typed.
    ['inbox/Reports', false],
    ['INBOX/Reports', false],
    ['INBOX.Sent', false],
    ['INBOX ', false],
    [' INBOX', false],
    ['INBOXES', false],
    ['INBO', false],
    ['', false],
    // Non-ASCII letters whose case mapping lands on ASCII are not INBOX.
    ['ınbox', false],
    ['İNBOX', false],
    ['INBOX\u0307', false],
    ['ＩＮＢＯＸ', false],
  ])('%j is INBOX: %s', (path, inbox) => {
    expect(isInboxPath(path)).toBe(inbox);
    expect(canonicalMailboxPath(path)).toBe(inbox ? INBOX : path);
    expect(isInboxRef({ kind: 'path', path })).toBe(inbox);
  });

  it.each([
    ['inbox', 'INBOX', true],
    ['Inbox', 'inbox', true],
    ['Archive', 'Archive', true],
    ['Archive', 'archive', false],
    ['inbox/Reports', 'INBOX/Reports', false],
    ['ınbox', 'INBOX', false],
  ])('%j and %j name the same mailbox: %s', (a, b, same) => {
    expect(sameMailboxPath(a, b)).toBe(same);
    expect(sameMailboxPath(b, a)).toBe(same);
  });

  it('the inbox role is INBOX, other roles are not', () => {
    expect(isInboxRef({ kind: 'role', role: 'inbox' })).toBe(true);
    expect(isInboxRef({ kind: 'role', role: 'sent' })).toBe(false);
  });
});
