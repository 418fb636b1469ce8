import { afterEach, expect, test } from 'vitest';
import { type FakeRig, startFakeRig, until } from './watcher-fakes.js';

/**
 * Resolving the webhooks' mailbox names: each account on its own, under a
 * short timeout, so a hanging server delays only its own account; an
 * account whose names could not be resolved is tried again after a
 * growing wait, not on every resync.
 */

let rig: FakeRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

test("a server that hangs while the names are resolved delays only its own account's webhooks", async () => {
  let clock = 1_000_000;
  // Store 0 of an account resolves the names: A's hangs.
  rig = await startFakeRig((look) => (look.account === 'acc_a' && look.store === 0 ? 'hang' : 'ok'), {
    resolveTimeoutMs: 200,
    now: () => clock,
  });
  rig.addAccount('acc_a');
  rig.addAccount('acc_b');
  await rig.webhook('acc_a', ['Slow']);
  await rig.webhook('acc_b', ['Fast']);
  const first = rig.watcher.resync();

  // B's first check runs while A's names are still being resolved.
  await until(() => rig!.looks.some((look) => look.account === 'acc_b' && look.store > 0));
  expect(rig.hanging).toEqual([{ account: 'acc_a', path: 'Slow', store: 0 }]);
  await first;
  const resolvesOfA = () => rig!.looks.filter((look) => look.account === 'acc_a').length;
  expect(resolvesOfA()).toBe(1);
  expect(
    rig.logs.some((line) => line.includes('webhook mailbox not watched') && line.includes('acc_a')),
  ).toBe(true);

  // Resyncs within the back-off do not ask A's server again.
  await rig.watcher.resync();
  await rig.watcher.resync();
  expect(resolvesOfA()).toBe(1);

  // After the back-off it is asked again.
  clock += 10 * 60_000;
  const again = rig.watcher.resync();
  await until(() => rig!.looks.some((look) => look.account === 'acc_a' && look.store === 1));
  await again;
});
