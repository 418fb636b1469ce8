import { describe, expect, it } from 'vitest';
import { buildBigMessage } from '../../../lib/devmail/big-message.js';
import { createMailUser } from '../../support/mail-server.js';

describe('test mail server', () => {
  it('gives each user a private mailbox with special-use folders and seeds it over IMAP', async () => {
    const user = await createMailUser('devmail');
    const uids = await user.seed('INBOX', [
      { raw: 'Subject: one\r\n\r\nfirst\r\n' },
      { raw: 'Subject: two\r\n\r\nsecond\r\n', flags: ['\\Seen'] },
    ]);
    expect(uids).toEqual([1, 2]);
    const listed = await user.doveadm(['fetch', '-u', user.user, 'uid flags', 'mailbox', 'INBOX', 'all']);
    expect(listed).toMatch(/uid: 2\nflags: .*\\Seen/);
    const folders = await user.doveadm(['mailbox', 'list', '-u', user.user]);
    expect(folders.split('\n')).toEqual(
      expect.arrayContaining(['INBOX', 'Sent', 'Drafts', 'Trash', 'Junk', 'Archive']),
    );
    expect(await user.transcripts()).toContain('APPEND');
  });

  it('builds a deterministic large message whose attachment digest is reproducible', () => {
    const a = buildBigMessage(100_000);
    const b = buildBigMessage(100_000);
    expect(a.attachmentSha256).toBe(b.attachmentSha256);
    expect(a.raw.toString('latin1')).toMatch(
      /^Content-Transfer-Encoding: base64\r\n\r\n[A-Za-z0-9+/]{76}\r\n/m,
    );
  });
});
