/**
 * When to try a failing delivery again: about 5 s, 30 s, 2 min, 10 min, then
 * hourly, each ±20% so that many subscriptions failing together (a receiver
 * down) do not come back in step; and when to stop. Pure: the caller passes
 * the clock and the randomness.
 */

/** Delays after the 1st, 2nd, 3rd and 4th failure; every later one waits an hour. */
export const RETRY_DELAYS_MS: readonly number[] = [5_000, 30_000, 120_000, 600_000];
export const HOURLY_DELAY_MS = 3_600_000;
export const JITTER = 0.2;
/** A subscription is disabled by the first failure at least this long after its first failure. */
export const GIVE_UP_AFTER_MS = 24 * 3_600_000;

export type RetryDecision = { at: Date } | { disable: string };

/**
 * The next attempt after a failure, or that the subscription should be
 * disabled. Retries go on while the failure is less than a day after the
 * first one, so the receiver is tried for at least 24 hours (about 29
 * attempts) before it is given up on.
 * @param attempt how many attempts have failed in a row, this one included (1 after the first failure)
 * @param firstFailureAt when the first of them failed
 * @param now when this one failed
 * @param random a number in [0, 1), e.g. Math.random
 * @throws RangeError for an attempt below 1 or a random value outside [0, 1)
 */
export function nextRetry(
  attempt: number,
  firstFailureAt: Date,
  now: Date,
  random: () => number,
): RetryDecision {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError('attempt must be a whole number ≥ 1');
  const elapsed = Math.max(0, now.getTime() - firstFailureAt.getTime());
  if (elapsed >= GIVE_UP_AFTER_MS) {
    return {
      disable: `Deliveries failed for ${Math.floor(elapsed / 3_600_000)} hours (${attempt} attempts since ${firstFailureAt.toISOString()}).`,
    };
  }
  const value = random();
  if (!(value >= 0 && value < 1)) throw new RangeError('random must return a number in [0, 1)');
  const base = RETRY_DELAYS_MS[attempt - 1] ?? HOURLY_DELAY_MS;
  const delay = Math.round(base * (1 - JITTER + 2 * JITTER * value));
  return { at: new Date(now.getTime() + delay) };
}
