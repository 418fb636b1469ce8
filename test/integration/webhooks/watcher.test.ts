import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { withoutCapability } from '../../support/fault-proxy.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';
import { buildMessage, connectOther } from '../imap-sync/sync-test-kit.js';
import { startRig, until, type WatchRig } from './watcher-test-kit.js';

/**
 * The watcher against the test Dovecot (which advertises NOTIFY), once with
 * NOTIFY and once with it turned off (IDLE per mailbox): another client's
 * APPEND, flag change and expunge reach a loopback receiver as signed
 * `message.created`, `message.updated` and `message.deleted`.
 */
describe.each([
  { mode: 'notify' as const, notify: true },
  { mode: 'idle' as const, notify: false },
])('watching with $mode', ({ mode, notify }) => {
  let user: MailUser;
  let other: ImapFlow;
  let rig: WatchRig;
  const account = `acc_${mode}`;

  beforeAll(async () => {
    user = await createMailUser(`watcher-${mode}`);
    other = await connectOther(user);
    rig = await startRig({ notify });
    rig.addAccount(account, user);
  });

  afterAll(async () => {
    await rig?.stop();
    await other?.logout();
  });

  test('an APPEND, a flag change and an expunge by another client are delivered, signed and in order', async () => {
    await other.mailboxCreate('Events');
    const webhook = await rig.createWebhook(account, ['Events'], '/events');
    await rig.watcher.resync();
    await rig.started(webhook, ['Events']);
    expect(rig.watcher.status().accounts).toEqual([
      expect.objectContaining({ id: account, mode, mailboxes: ['Events'] }),
    ]);

    const appended = await other.append('Events', buildMessage('watched arrival'));
    if (!appended || appended.uid === undefined) throw new Error('append without APPENDUID');
    const uid = String(appended.uid);
    await until(() => rig.deliveries(webhook, '/events').length >= 1);
    const [created] = rig.deliveries(webhook, '/events');
    expect(created).toMatchObject({
      type: 'message.created',
      data: { account, mailbox: 'Events', message: { subject: 'watched arrival' } },
    });
    const id = (created!.data.message as { id: string }).id;
    expect(typeof id).toBe('string');

    await other.mailboxOpen('Events');
    await other.messageFlagsAdd(uid, ['\\Flagged'], { uid: true });
    await until(() => rig.deliveries(webhook, '/events').length >= 2);
    const updated = rig.deliveries(webhook, '/events')[1]!;
    expect(updated).toMatchObject({ type: 'message.updated', data: { account, mailbox: 'Events', id } });
    expect(updated.data.flags).toContain('\\Flagged');

    await other.messageDelete(uid, { uid: true });
    await until(() =>
      rig.deliveries(webhook, '/events').some((delivery) => delivery.type === 'message.deleted'),
    );
    const all = rig.deliveries(webhook, '/events');
    const deleted = all.find((delivery) => delivery.type === 'message.deleted')!;
    expect(deleted.data).toMatchObject({ account, mailbox: 'Events', ids: [id] });
    // A \Deleted flag set before the expunge may be told as one more update; nothing else comes.
    expect(all.map((delivery) => delivery.type).filter((type) => type !== 'message.updated')).toEqual([
      'message.created',
      'message.deleted',
    ]);
    expect(new Set(all.map((delivery) => delivery.id)).size).toBe(all.length);
    await other.mailboxClose();

    // The watch connections: one per account with NOTIFY, one per mailbox with IDLE.
    if (mode === 'notify') {
      expect(rig.connectionsThatSent(/^\S+ NOTIFY SET /i).size).toBe(1);
      expect(rig.connectionsThatSent(/^\S+ IDLE$/i).size).toBe(0);
    } else {
      expect(rig.connectionsThatSent(/^\S+ NOTIFY /i).size).toBe(0);
      expect(rig.connectionsThatSent(/^\S+ IDLE$/i).size).toBe(1);
    }
  });

  test('a mailbox deleted and created again (new UIDVALIDITY) is delivered as mailbox.reset', async () => {
    await other.mailboxCreate('Reborn');
    const webhook = await rig.createWebhook(account, ['Reborn'], '/reborn');
    await rig.watcher.resync();
    await rig.started(webhook, ['Reborn']);
    const before = await rig.repository.getCursor(webhook.id, 'Reborn');

    await other.mailboxDelete('Reborn');
    await other.mailboxCreate('Reborn');
    await other.append('Reborn', buildMessage('after the reset'));
    await until(() =>
      rig.deliveries(webhook, '/reborn').some((delivery) => delivery.type === 'mailbox.reset'),
    );
    const reset = rig.deliveries(webhook, '/reborn').find((delivery) => delivery.type === 'mailbox.reset')!;
    expect(reset.data).toMatchObject({ account, mailbox: 'Reborn' });
    expect(reset.data.state).not.toBe(before);
    expect(await rig.repository.getCursor(webhook.id, 'Reborn')).not.toBe(before);
  });

  test("one webhook's mailbox deleted does not stop the account's other webhooks", async () => {
    await other.mailboxCreate('Doomed');
    await other.mailboxCreate('Survivor');
    const doomed = await rig.createWebhook(account, ['Doomed'], '/doomed');
    const survivor = await rig.createWebhook(account, ['Survivor'], '/survivor');
    await rig.watcher.resync();
    await rig.started(doomed, ['Doomed']);
    await rig.started(survivor, ['Survivor']);
    const failuresBefore = rig.logs.filter((line) => line.includes('webhook mailbox check failed')).length;

    await other.mailboxDelete('Doomed');
    // A resync after the delete: the check of the missing mailbox fails and is logged by code.
    await other.append('Survivor', buildMessage('still watched'));
    await until(() => rig.deliveries(survivor, '/survivor').length >= 1);
    expect(rig.deliveries(survivor, '/survivor')[0]).toMatchObject({
      type: 'message.created',
      data: { mailbox: 'Survivor', message: { subject: 'still watched' } },
    });
    await until(
      () => rig.logs.filter((line) => line.includes('webhook mailbox check failed')).length > failuresBefore,
    );
    const failure = rig.logs.filter((line) => line.includes('webhook mailbox check failed')).at(-1)!;
    expect(failure).toContain(doomed.id);
    expect(failure).toContain('mailbox_not_found');
    expect(rig.deliveries(doomed, '/doomed')).toEqual([]);
  });

  test('a connection the server drops comes back, and the next APPEND is delivered', async () => {
    await other.mailboxCreate('Kicked');
    const webhook = await rig.createWebhook(account, ['Kicked'], '/kicked');
    await rig.watcher.resync();
    await rig.started(webhook, ['Kicked']);
    const watchCommand =
      mode === 'notify' ? /^\S+ NOTIFY SET .*Kicked/i : /^\S+ (SELECT|EXAMINE) "?Kicked"?/i;
    await until(() => rig.connectionsThatSent(watchCommand).size === 1);
    const [first] = rig.connectionsThatSent(watchCommand);

    // Every session of the user ends (the other client's too), as on a server restart.
    await user.doveadm(['kick', user.user]);
    await until(() => rig.connectionsThatSent(watchCommand).size === 2, 20_000);
    expect([...rig.connectionsThatSent(watchCommand)]).not.toEqual([first, first]);

    const again = await connectOther(user);
    try {
      await again.append('Kicked', buildMessage('after the drop'));
    } finally {
      await again.logout();
    }
    await until(() => rig.deliveries(webhook, '/kicked').length >= 1, 20_000);
    expect(rig.deliveries(webhook, '/kicked')[0]).toMatchObject({
      type: 'message.created',
      data: { mailbox: 'Kicked', message: { subject: 'after the drop' } },
    });
    other = await connectOther(user);
  });

  test('nothing logged carries a webhook URL, a signing secret or a password', async () => {
    expect(rig.logs.length).toBeGreaterThan(0);
    const text = rig.logs.join('\n');
    expect(text).not.toContain(`127.0.0.1:${rig.receiver.port}`);
    expect(text).not.toContain('whsec_');
    expect(text).not.toContain(user.password);
  });

  test('a webhook deleted from the store stops being watched: its connections close', async () => {
    // The account's other webhooks go first, so this one is the account's last.
    for (const webhook of await rig.repository.list(account))
      await rig.repository.delete(account, webhook.id);
    await rig.watcher.resync();
    await other.mailboxCreate('Gone');
    const webhook = await rig.createWebhook(account, ['Gone'], '/gone');
    await rig.watcher.resync();
    await rig.started(webhook, ['Gone']);
    await until(() => rig.watcher.status().accounts[0]?.connections === 1);
    expect(rig.proxy.connections).toBeGreaterThanOrEqual(1);

    expect(await rig.repository.delete(account, webhook.id)).toBe(true);
    await rig.watcher.resync();
    expect(rig.watcher.status().accounts).toEqual([]);
    // Every connection through the proxy is closed: the watch connection and any check's.
    await until(() => rig.proxy.connections === 0);
    const commandsBefore = rig.proxy.commands.length;

    // A marker: another webhook of the account, on another mailbox, told after the unwatched APPEND.
    await other.mailboxCreate('Marker');
    const marker = await rig.createWebhook(account, ['Marker'], '/marker');
    await rig.watcher.resync();
    await rig.started(marker, ['Marker']);
    await other.append('Gone', buildMessage('nobody listens'));
    await other.append('Marker', buildMessage('the marker'));
    await until(() => rig.deliveries(marker, '/marker').length >= 1);
    expect(rig.deliveries(marker, '/marker')[0]).toMatchObject({
      type: 'message.created',
      data: { mailbox: 'Marker', message: { subject: 'the marker' } },
    });
    // By then nothing looked at the deleted webhook's mailbox, and nothing was sent for it.
    const since = rig.proxy.commands.slice(commandsBefore).map((entry) => entry.line);
    expect(since.some((line) => /Marker/.test(line))).toBe(true);
    expect(since.filter((line) => /Gone/.test(line))).toEqual([]);
    expect(rig.deliveries(webhook, '/gone')).toEqual([]);
  });
});

describe('a server with neither NOTIFY nor IDLE', () => {
  let user: MailUser;
  let other: ImapFlow;
  let rig: WatchRig;

  beforeAll(async () => {
    user = await createMailUser('watcher-poll');
    other = await connectOther(user);
    const hideNotify = withoutCapability('NOTIFY');
    const hideIdle = withoutCapability('IDLE');
    rig = await startRig(
      { pollMs: 300 },
      { transformToClient: (chunk, index) => hideIdle(hideNotify(chunk, index), index) },
    );
    rig.addAccount('acc_poll', user);
  });

  afterAll(async () => {
    await rig?.stop();
    await other?.logout();
  });

  test('is polled with CONDSTORE at the interval: no connection is held, changes are delivered', async () => {
    await other.mailboxCreate('Polled');
    const webhook = await rig.createWebhook('acc_poll', ['Polled'], '/polled');
    await rig.watcher.resync();
    await rig.started(webhook, ['Polled']);
    await until(() => rig.watcher.status().accounts[0]?.mode === 'poll');

    await other.append('Polled', buildMessage('found by polling'));
    await until(() => rig.deliveries(webhook, '/polled').length >= 1);
    expect(rig.deliveries(webhook, '/polled')[0]).toMatchObject({
      type: 'message.created',
      data: { mailbox: 'Polled', message: { subject: 'found by polling' } },
    });
    expect(rig.watcher.status().accounts[0]?.connections).toBe(0);
    expect(rig.connectionsThatSent(/^\S+ (NOTIFY|IDLE)/i).size).toBe(0);
  });
});
