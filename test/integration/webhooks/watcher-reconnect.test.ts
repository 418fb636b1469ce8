import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createMailUser, type MailUser } from '../../support/mail-server.js';
import { connectOther } from '../imap-sync/sync-test-kit.js';
import { startRig, until, type WatchRig } from './watcher-test-kit.js';

/**
 * A server that drops every watch connection right after NOTIFY SET: the
 * waits before the reconnects keep doubling (the count starts over only
 * after a connection was held for a while), so it does not get a login
 * and a full recheck every second.
 */

let user: MailUser;
let other: ImapFlow;
let rig: WatchRig;

beforeAll(async () => {
  user = await createMailUser('watcher-reconnect');
  other = await connectOther(user);
  await other.mailboxCreate('Dropped');
});

afterAll(async () => {
  await rig?.stop();
  await other?.logout();
});

test('a connection dropped right after NOTIFY SET comes back after ever longer waits', async () => {
  rig = await startRig(
    // The longest wait each time (no jitter), to compare them exactly.
    { notify: true, reconnectBaseMs: 40, reconnectMaxMs: 320, random: () => 1 },
    { cutAfterResponseTo: /^\S+ NOTIFY SET /i },
  );
  rig.addAccount('acc_dropped', user);
  const webhook = await rig.createWebhook('acc_dropped', ['Dropped'], '/dropped');
  await rig.watcher.resync();
  await rig.started(webhook, ['Dropped']);

  const waits = () =>
    rig.logs
      .filter((line) => line.includes('webhook watch reconnecting'))
      .map((line) => (JSON.parse(line.slice(line.indexOf('{'))) as { waitMs: number }).waitMs);
  await until(() => waits().length >= 6, 20_000);
  expect(waits().slice(0, 6)).toEqual([40, 80, 160, 320, 320, 320]);
  // One NOTIFY SET per connection, each one dropped.
  expect(rig.connectionsThatSent(/^\S+ NOTIFY SET /i).size).toBeGreaterThanOrEqual(6);
});
