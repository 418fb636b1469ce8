import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Delivers messages straight into a user's Maildir `new/` folder, for seeding
 * large mailboxes (10,000 messages in well under a second of file writes) where
 * APPEND would take minutes. Dovecot picks them up at the user's next session,
 * in the order of their file names.
 */
export async function deliverToMaildir(
  stateDir: string,
  user: string,
  messages: Array<Buffer | string>,
): Promise<void> {
  const maildir = join(stateDir, 'mail', user, 'Maildir');
  for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(maildir, sub), { recursive: true });
  const stamp = Math.floor(Date.now() / 1000);
  for (let i = 0; i < messages.length; i++) {
    // Maildir unique names sort by time, then by this zero-padded sequence.
    const name = `${stamp}.M${String(i).padStart(7, '0')}P${process.pid}.mailgate`;
    await writeFile(join(maildir, 'new', name), messages[i]!);
  }
  if (process.getuid?.() === 0)
    await run('chown', ['-R', 'mailgate-mail:mailgate-mail', join(stateDir, 'mail', user)]);
}
