import type { ImapFlow } from 'imapflow';
import { afterAll, describe, expect, test } from 'vitest';
import type { WebhookRecord } from '../../../lib/webhooks/repository.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';
import { buildMessage, connectOther } from '../imap-sync/sync-test-kit.js';
import { startRig, until, type WatchRig } from './watcher-test-kit.js';

/**
 * What the watcher holds and how it copes with a flood: 100 watched
 * mailboxes over 10 accounts take 10 connections with NOTIFY and 50 with
 * IDLE (5 per account, the other mailboxes polled; counted as TCP
 * connections through a proxy), and a server that floods notifications
 * causes a handful of checks, not one per line.
 */

const ACCOUNTS = 10;
const MAILBOXES = ['INBOX', ...Array.from({ length: 9 }, (_, i) => `Box${i + 1}`)];
/** The watcher's default IDLE connections per account. */
const IDLE_PER_ACCOUNT = 5;
/** The mailboxes that get them: INBOX first, then by name. */
const IDLING = MAILBOXES.slice(0, IDLE_PER_ACCOUNT);
const TARGET = IDLING.at(-1)!;

let users: MailUser[] = [];
const clients: ImapFlow[] = [];

async function usersWithMailboxes(): Promise<MailUser[]> {
  if (users.length > 0) return users;
  users = await Promise.all(Array.from({ length: ACCOUNTS }, (_, i) => createMailUser(`watcher-scale-${i}`)));
  await Promise.all(
    users.map(async (user) => {
      const client = await connectOther(user);
      clients.push(client);
      for (const path of MAILBOXES.slice(1)) await client.mailboxCreate(path);
    }),
  );
  return users;
}

afterAll(async () => {
  for (const client of clients) await client.logout().catch(() => undefined);
});

describe.each([
  { mode: 'notify', notify: true, expected: ACCOUNTS },
  { mode: 'idle', notify: false, expected: ACCOUNTS * IDLE_PER_ACCOUNT },
])('100 mailboxes over 10 accounts with $mode', ({ mode, notify, expected }) => {
  let rig: WatchRig;
  afterAll(async () => rig?.stop());

  test(`hold ${expected} IMAP connections and deliver from each account`, async () => {
    const all = await usersWithMailboxes();
    rig = await startRig({ notify });
    const webhooks: WebhookRecord[] = [];
    for (const [i, user] of all.entries()) {
      rig.addAccount(`acc_${i}`, user);
      webhooks.push(await rig.createWebhook(`acc_${i}`, MAILBOXES, `/${mode}/${i}`));
    }
    await rig.watcher.resync();
    for (const webhook of webhooks) await rig.started(webhook, MAILBOXES);
    await until(
      () => rig.watcher.status().accounts.reduce((sum, account) => sum + account.connections, 0) === expected,
      30_000,
    );
    // Every check's connection has closed: what stays open is the watch connections.
    await until(() => rig.proxy.connections === expected, 30_000);
    expect(rig.watcher.status().accounts).toHaveLength(ACCOUNTS);
    const notifying = rig.connectionsThatSent(/^\S+ NOTIFY SET /i);
    const idling = rig.connectionsThatSent(/^\S+ IDLE$/i);
    expect(notifying.size).toBe(notify ? ACCOUNTS : 0);
    expect(idling.size).toBe(notify ? 0 : ACCOUNTS * IDLE_PER_ACCOUNT);
    const examined = rig.proxy.commands
      .filter((entry) => idling.has(entry.connection) && /^\S+ EXAMINE /i.test(entry.line))
      .map((entry) => entry.line.replace(/^\S+ EXAMINE "?([^" ]+)"?.*$/i, '$1'));
    expect(new Set(examined)).toEqual(new Set(notify ? [] : IDLING));

    // One APPEND into the last mailbox with IDLE of every account reaches that account's webhook
    // (the polled ones are covered in watcher-fallbacks.test.ts).
    await Promise.all(clients.map((client, i) => client.append(TARGET, buildMessage(`scale ${mode} ${i}`))));
    for (const [i, webhook] of webhooks.entries()) {
      await until(() => rig.deliveries(webhook, `/${mode}/${i}`).length >= 1, 20_000);
    }
    for (const [i, webhook] of webhooks.entries()) {
      const [delivery] = rig.deliveries(webhook, `/${mode}/${i}`);
      expect(delivery).toMatchObject({
        type: 'message.created',
        data: { account: `acc_${i}`, mailbox: TARGET },
      });
    }
    expect(rig.proxy.connections).toBe(expected);
  });
});

describe('a server that floods notifications', () => {
  const FLOOD = 20_000;
  let user: MailUser;
  let other: ImapFlow;
  let rig: WatchRig;

  afterAll(async () => {
    await rig?.stop();
    await other?.logout();
  });

  test('causes a few coalesced checks, and the watch goes on', async () => {
    user = await createMailUser('watcher-flood');
    other = await connectOther(user);
    await other.mailboxCreate('Flood');
    const status = Buffer.from('* STATUS "Flood" (MESSAGES 1)\r\n'.repeat(FLOOD));
    const overlong = Buffer.from(`* STATUS "Flood" (X-${'9'.repeat(64 * 1024)})\r\n`);
    let flooded = false;
    rig = await startRig(
      { notify: true },
      {
        // After the server's answer to NOTIFY SET: twenty thousand STATUS lines and one far too long.
        transformToClient(chunk) {
          if (flooded || !/^\w+ OK NOTIFY/m.test(chunk.toString('latin1'))) return chunk;
          flooded = true;
          return Buffer.concat([chunk, status, overlong]);
        },
      },
    );
    rig.addAccount('acc_flood', user);
    const webhook = await rig.createWebhook('acc_flood', ['Flood'], '/flood');
    await rig.watcher.resync();
    await rig.started(webhook, ['Flood']);
    await until(() => flooded);
    // Each check opens the mailbox with one LIST (its status); settle, then count them.
    const looks = () =>
      rig.proxy.commands.filter((entry) => /LIST "" "?Flood"? RETURN/i.test(entry.line)).length;
    await until(() => rig.proxy.connections === 1, 20_000);
    expect(looks()).toBeGreaterThanOrEqual(1);
    expect(looks()).toBeLessThanOrEqual(5);

    await other.append('Flood', buildMessage('after the flood'));
    await until(() => rig.deliveries(webhook, '/flood').length >= 1, 20_000);
    expect(rig.deliveries(webhook, '/flood')[0]).toMatchObject({
      type: 'message.created',
      data: { mailbox: 'Flood', message: { subject: 'after the flood' } },
    });
    expect(rig.connectionsThatSent(/^\S+ NOTIFY SET /i).size).toBe(1);
  });
});
