import { afterEach, expect, test } from 'vitest';
import { type FakeRig, startFakeRig, until } from './watcher-fakes.js';

/**
 * An account that no longer exists is not watched and not tried again on
 * every round: one warning, until a resync finds the account (again).
 */

let rig: FakeRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

const warnings = (r: FakeRig, text: string) =>
  r.logs.filter((line) => line.startsWith('warn') && line.includes(text)).length;

test('an account missing from the credential store is warned of once, and watched again when it is back', async () => {
  rig = await startFakeRig(() => 'ok');
  const account = rig.addAccount('acc_g');
  await rig.webhook('acc_g', ['INBOX']);
  await rig.watcher.resync();
  expect(rig.watcher.status().accounts).toHaveLength(1);

  rig.accounts.delete('acc_g');
  await rig.watcher.resync();
  await rig.watcher.resync();
  await rig.watcher.resync();
  expect(rig.watcher.status().accounts).toEqual([]);
  expect(warnings(rig, 'webhook account not found')).toBe(1);

  rig.accounts.set('acc_g', account);
  await rig.watcher.resync();
  expect(rig.watcher.status().accounts).toEqual([expect.objectContaining({ id: 'acc_g' })]);
});

test('a check told the account does not exist stops the watch until the account changes', async () => {
  // The names resolve (store 0); the checks find no such account.
  let exists = false;
  rig = await startFakeRig((look) => (look.store > 0 && !exists ? 'gone' : 'ok'), { pollMs: 50 });
  const account = rig.addAccount('acc_g');
  await rig.webhook('acc_g', ['INBOX']);
  await rig.watcher.resync();
  await until(() => rig!.watcher.status().accounts.length === 0);
  const looks = rig.looks.length;

  // Neither the poll interval nor the resyncs try it again.
  await new Promise((resolve) => setTimeout(resolve, 200));
  await rig.watcher.resync();
  await rig.watcher.resync();
  expect(rig.looks).toHaveLength(looks);
  expect(rig.watcher.status().accounts).toEqual([]);
  expect(warnings(rig, 'webhook account not found')).toBe(1);

  // The stored account changed (e.g. stored again): watched again.
  exists = true;
  rig.accounts.set('acc_g', { ...account, user: 'someone-else' });
  await rig.watcher.resync();
  expect(rig.watcher.status().accounts).toEqual([expect.objectContaining({ id: 'acc_g' })]);
  await until(() => rig!.looks.length > looks);
});
