import { afterEach, expect, test } from 'vitest';
import type { Account } from '../../../lib/credentials/account.js';
import { type FakeRig, startFakeRig, until } from './watcher-fakes.js';

/**
 * An OAuth2 token written back after a refresh does not restart the
 * account's watch; a change of how the account connects does.
 */

let rig: FakeRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

const oauth2 = (token: string, refresh: string, expiresAt: string) => ({
  provider: 'custom',
  clientId: 'client-1',
  tokenUrl: 'https://idp.example/token',
  refreshToken: refresh,
  accessToken: token,
  expiresAt,
});

test('a refreshed token keeps the watch; a new host starts it again', async () => {
  rig = await startFakeRig(() => 'ok');
  const account = rig.addAccount('acc_o', {
    oauth2: oauth2('token-1', 'refresh-1', '2026-01-01T00:00:00Z'),
  } as Partial<Account>);
  await rig.webhook('acc_o', ['INBOX']);
  await rig.watcher.resync();
  // The names resolved (store 0) and the first look (store 1).
  await until(() => rig!.looks.length === 2);

  rig.accounts.set('acc_o', {
    ...account,
    oauth2: oauth2('token-2', 'refresh-2', '2026-01-01T01:00:00Z'),
  } as Account);
  await rig.watcher.resync();
  await rig.watcher.resync();
  expect(rig.looks).toHaveLength(2);
  expect(rig.watcher.status().accounts).toEqual([
    expect.objectContaining({ id: 'acc_o', mailboxes: ['INBOX'] }),
  ]);

  rig.accounts.set('acc_o', { ...rig.accounts.get('acc_o')!, host: '127.0.0.2' } as Account);
  await rig.watcher.resync();
  // A new watch: the names resolved again and a first look.
  await until(() => rig!.looks.length === 4);
  expect(rig.looks.slice(2).map((look) => look.store)).toEqual([2, 3]);
});
