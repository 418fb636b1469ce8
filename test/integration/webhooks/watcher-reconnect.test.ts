import type { ImapFlow } from 'imapflow';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
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
let rig: WatchRig | undefined;

beforeAll(async () => {
  user = await createMailUser('watcher-reconnect');
  other = await connectOther(user);
  await other.mailboxCreate('Dropped');
});

afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

afterAll(async () => {
  await other?.logout();
});

const waits = (r: WatchRig) =>
  r.logs
    .filter((line) => line.includes('webhook watch reconnecting'))
    .map((line) => (JSON.parse(line.slice(line.indexOf('{'))) as { waitMs: number }).waitMs);

test('a connection dropped right after NOTIFY SET comes back after ever longer waits', async () => {
  const r = await startRig(
    // The longest wait each time (no jitter), to compare them exactly.
    { notify: true, reconnectBaseMs: 40, reconnectMaxMs: 320, random: () => 1 },
    { cutAfterResponseTo: /^\S+ NOTIFY SET /i },
  );
  rig = r;
  r.addAccount('acc_dropped', user);
  const webhook = await r.createWebhook('acc_dropped', ['Dropped'], '/dropped');
  await r.watcher.resync();
  await r.started(webhook, ['Dropped']);

  await until(() => waits(r).length >= 6, 20_000);
  expect(waits(r).slice(0, 6)).toEqual([40, 80, 160, 320, 320, 320]);
  // One NOTIFY SET per connection, each one dropped.
  expect(r.connectionsThatSent(/^\S+ NOTIFY SET /i).size).toBeGreaterThanOrEqual(6);
});

test('a connection held for reconnectResetMs starts the back-off over', async () => {
  // A clock where every connection seems held a minute.
  let clock = 0;
  const r = await startRig(
    {
      notify: true,
      reconnectBaseMs: 40,
      reconnectMaxMs: 320,
      random: () => 1,
      now: () => (clock += 60_000),
    },
    { cutAfterResponseTo: /^\S+ NOTIFY SET /i },
  );
  rig = r;
  r.addAccount('acc_held', user);
  const webhook = await r.createWebhook('acc_held', ['Dropped'], '/held');
  await r.watcher.resync();
  await r.started(webhook, ['Dropped']);

  await until(() => waits(r).length >= 4, 20_000);
  expect(waits(r).slice(0, 4)).toEqual([40, 40, 40, 40]);
});
