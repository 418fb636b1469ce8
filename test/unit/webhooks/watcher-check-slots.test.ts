import { afterEach, expect, test } from 'vitest';
import { type FakeRig, startFakeRig, until } from './watcher-fakes.js';

/**
 * The check slots: an account whose checks hang holds its own slots only,
 * never the shared ones, so another account's check still runs.
 */

let rig: FakeRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

test("an account whose checks hang holds only its own slots: another account's check runs", async () => {
  // Store 0 of each account resolves the names; every later store is a check. A's checks hang.
  rig = await startFakeRig((look) => (look.account === 'acc_a' && look.store > 0 ? 'hang' : 'ok'), {
    maxChecks: 3,
    maxChecksPerAccount: 2,
  });
  rig.addAccount('acc_a');
  rig.addAccount('acc_b');
  const many = Array.from({ length: 10 }, (_, i) => `Box${i}`);
  await rig.webhook('acc_a', many);
  await rig.webhook('acc_b', ['Other']);
  await rig.watcher.resync();

  // B's check runs while A's are still hanging.
  await until(() => rig!.looks.some((look) => look.account === 'acc_b' && look.store > 0));
  expect(rig.hanging.filter((look) => look.account === 'acc_a' && look.store > 0)).toHaveLength(2);
  expect(rig.hanging.every((look) => look.account === 'acc_a')).toBe(true);
});
