import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createMailUser, type MailUser } from '../../support/mail-server.js';
import { connectOther } from '../imap-sync/sync-test-kit.js';
import { startRig, until, type WatchRig } from './watcher-test-kit.js';

/**
 * stop() while a watch connection is being opened and a check is waiting
 * on a server that went silent: both are abandoned at once, not after the
 * open (30 s) and check (60 s) timeouts.
 */

let user: MailUser;
let other: ImapFlow;
let rig: WatchRig;

beforeAll(async () => {
  user = await createMailUser('watcher-stop');
  other = await connectOther(user);
  await other.mailboxCreate('Silent');
});

afterAll(async () => {
  await rig?.stop();
  await other?.logout();
});

test('stop() ends a watch connection being opened and a check in flight at once', async () => {
  rig = await startRig(
    { notify: true },
    // The first connection (the names resolved) is served; every later one goes silent at its first command.
    { onCommand: (_line, connection) => (connection === 0 ? 'forward' : 'stall') },
  );
  rig.addAccount('acc_silent', user);
  await rig.createWebhook('acc_silent', ['Silent'], '/silent');
  await rig.watcher.resync();
  // The watch connection and the first look are both stuck in their logins.
  await until(
    () => new Set(rig.proxy.commands.map((entry) => entry.connection).filter((index) => index > 0)).size >= 2,
  );
  expect(rig.watcher.status().accounts[0]?.connections).toBe(0);

  const outcome = await Promise.race([
    rig.watcher.stop().then(() => 'stopped' as const),
    new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 10_000).unref()),
  ]);
  expect(outcome).toBe('stopped');
  await until(() => rig.proxy.connections === 0);
});
