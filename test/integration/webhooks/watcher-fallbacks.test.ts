import type { ImapFlow } from 'imapflow';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createMailUser, type MailUser } from '../../support/mail-server.js';
import { buildMessage, connectOther } from '../imap-sync/sync-test-kit.js';
import { startRig, until, type WatchRig } from './watcher-test-kit.js';

/**
 * How far IDLE goes: at most `maxIdlePerAccount` IDLE connections per
 * account (INBOX first, then by name), the account's other mailboxes
 * polled; and a server that refuses NOTIFY SET is asked again later.
 */

let rig: WatchRig | undefined;
let user: MailUser;
let other: ImapFlow;

beforeAll(async () => {
  user = await createMailUser('watcher-fallbacks');
  other = await connectOther(user);
  for (const path of ['Alpha', 'Beta', 'Gamma']) await other.mailboxCreate(path);
  return async () => {
    await other.logout();
  };
});

afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

describe('IDLE', () => {
  test('holds at most maxIdlePerAccount connections, INBOX first; the other mailboxes are polled', async () => {
    rig = await startRig({ notify: false, maxIdlePerAccount: 2, pollMs: 300 });
    rig.addAccount('acc_cap', user);
    const paths = ['Gamma', 'Beta', 'Alpha', 'INBOX'];
    const webhook = await rig.createWebhook('acc_cap', paths, '/cap');
    await rig.watcher.resync();
    await rig.started(webhook, paths);
    await until(() => rig!.watcher.status().accounts[0]?.connections === 2);
    await until(() => rig!.proxy.connections === 2);
    const idling = rig.connectionsThatSent(/^\S+ IDLE$/i);
    expect(idling.size).toBe(2);
    const examined = rig.proxy.commands
      .filter((entry) => idling.has(entry.connection) && /^\S+ EXAMINE /i.test(entry.line))
      .map((entry) => entry.line.replace(/^\S+ EXAMINE "?([^" ]+)"?.*$/i, '$1'));
    expect(new Set(examined)).toEqual(new Set(['INBOX', 'Alpha']));

    // A mailbox without IDLE is found by polling.
    await other.append('Gamma', buildMessage('polled beside IDLE'));
    await until(() => rig!.deliveries(webhook, '/cap').length >= 1);
    expect(rig.deliveries(webhook, '/cap')[0]).toMatchObject({
      type: 'message.created',
      data: { mailbox: 'Gamma', message: { subject: 'polled beside IDLE' } },
    });
    expect(rig.connectionsThatSent(/^\S+ IDLE$/i).size).toBe(2);
  });
});

describe('NOTIFY refused', () => {
  test('the account is watched with IDLE meanwhile, and NOTIFY SET is tried again after notifyRetryMs', async () => {
    rig = await startRig(
      { notify: true, notifyRetryMs: 500 },
      {
        // The server gets a NOTIFY it does not know and answers BAD.
        transformToServer: (chunk) =>
          Buffer.from(chunk.toString('latin1').replace(/ NOTIFY SET /g, ' NOTIFY XSET '), 'latin1'),
      },
    );
    rig.addAccount('acc_refused', user);
    const webhook = await rig.createWebhook('acc_refused', ['Beta'], '/refused');
    await rig.watcher.resync();
    await rig.started(webhook, ['Beta']);
    await until(() => rig!.connectionsThatSent(/^\S+ IDLE$/i).size >= 1);
    await until(() => rig!.connectionsThatSent(/^\S+ NOTIFY SET /i).size >= 2);
    expect(
      rig.logs.some((line) => line.includes('webhook watch mode chosen') && line.includes('"idle"')),
    ).toBe(true);

    await other.append('Beta', buildMessage('while NOTIFY is refused'));
    await until(() => rig!.deliveries(webhook, '/refused').length >= 1);
    expect(rig.deliveries(webhook, '/refused')[0]).toMatchObject({
      type: 'message.created',
      data: { mailbox: 'Beta', message: { subject: 'while NOTIFY is refused' } },
    });
  });
});
