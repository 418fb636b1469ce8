import { expect, test } from 'vitest';
import { Wakeup } from '../../../lib/webhooks/watcher/limits.js';

/**
 * The wake-up of a watch connection's loop (the watched set changed): a
 * wake that comes while the loop is busy (a keep-alive NOOP) waits for it,
 * and waiting round after round adds nothing.
 */

const settled = async (promise: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

test('a wake while nobody waits is kept for the next wait', async () => {
  const wakeup = new Wakeup();
  wakeup.wake();
  expect(await settled(wakeup.next())).toBe(true);
});

test('a wake while the loop is busy elsewhere (its wait lost a race) is not lost', async () => {
  const wakeup = new Wakeup();
  const lost = wakeup.next();
  expect(await settled(lost)).toBe(false);
  // The keep-alive won the race; during its NOOP the watched set changes.
  wakeup.wake();
  expect(await settled(wakeup.next())).toBe(true);
});

test('waiting round after round is one promise until a wake is taken', async () => {
  const wakeup = new Wakeup();
  const first = wakeup.next();
  expect(wakeup.next()).toBe(first);
  wakeup.wake();
  expect(await settled(first)).toBe(true);
  wakeup.take();
  const second = wakeup.next();
  expect(second).not.toBe(first);
  expect(await settled(second)).toBe(false);
  wakeup.wake();
  expect(await settled(second)).toBe(true);
});
