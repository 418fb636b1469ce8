import { describe, expect, test } from 'vitest';
import { GIVE_UP_AFTER_MS, nextRetry, type RetryDecision } from '../../../lib/webhooks/backoff.js';

const FIRST = new Date('2026-05-01T00:00:00.000Z');
const middle = () => 0.5;

function delayOf(decision: RetryDecision, now: Date): number {
  if (!('at' in decision)) throw new Error(`disabled: ${decision.disable}`);
  return decision.at.getTime() - now.getTime();
}

describe('nextRetry', () => {
  test('without jitter: 5 s, 30 s, 2 min, 10 min, then hourly', () => {
    const delays = [1, 2, 3, 4, 5, 6, 20].map((attempt) =>
      delayOf(nextRetry(attempt, FIRST, FIRST, middle), FIRST),
    );
    expect(delays).toEqual([5_000, 30_000, 120_000, 600_000, 3_600_000, 3_600_000, 3_600_000]);
  });

  test('jitter spans ±20% of each delay, from the random value given', () => {
    for (const [attempt, base] of [
      [1, 5_000],
      [2, 30_000],
      [3, 120_000],
      [4, 600_000],
      [9, 3_600_000],
    ] as const) {
      expect(
        delayOf(
          nextRetry(attempt, FIRST, FIRST, () => 0),
          FIRST,
        ),
      ).toBe(base * 0.8);
      expect(
        delayOf(
          nextRetry(attempt, FIRST, FIRST, () => 0.999_999),
          FIRST,
        ),
      ).toBe(Math.round(base * 1.199_999_6));
      expect(
        delayOf(
          nextRetry(attempt, FIRST, FIRST, () => 0.25),
          FIRST,
        ),
      ).toBe(base * 0.9);
    }
  });

  test('the next attempt counts from the failure just seen, not from the first one', () => {
    const now = new Date(FIRST.getTime() + 5 * 3_600_000);
    expect(nextRetry(8, FIRST, now, middle)).toEqual({ at: new Date(now.getTime() + 3_600_000) });
  });

  test('a subscription failing at every attempt is tried for at least 24 h, then disabled with why', () => {
    for (const random of [() => 0, middle, () => 0.999_999]) {
      let now = FIRST;
      let attempt = 1;
      let decision = nextRetry(attempt, FIRST, now, random);
      while ('at' in decision) {
        now = decision.at;
        attempt += 1;
        decision = nextRetry(attempt, FIRST, now, random);
        expect(attempt).toBeLessThan(100);
      }
      // The last failing attempt came at least a day after the first, and not much more.
      expect(now.getTime() - FIRST.getTime()).toBeGreaterThanOrEqual(GIVE_UP_AFTER_MS);
      expect(now.getTime() - FIRST.getTime()).toBeLessThan(GIVE_UP_AFTER_MS + 1.2 * 3_600_000);
      expect(attempt).toBeGreaterThanOrEqual(23);
      expect(attempt).toBeLessThanOrEqual(35);
      expect(decision.disable).toMatch(
        new RegExp(
          `^Deliveries failed for 2[45] hours \\(${attempt} attempts since 2026-05-01T00:00:00.000Z\\)\\.$`,
        ),
      );
    }
  });

  test('just under a day still retries; a day exactly disables', () => {
    expect(nextRetry(27, FIRST, new Date(FIRST.getTime() + GIVE_UP_AFTER_MS - 1), middle)).toHaveProperty(
      'at',
    );
    expect(nextRetry(27, FIRST, new Date(FIRST.getTime() + GIVE_UP_AFTER_MS), middle)).toHaveProperty(
      'disable',
    );
  });

  test('a clock behind the first failure counts as no time elapsed', () => {
    const earlier = new Date(FIRST.getTime() - 60_000);
    expect(delayOf(nextRetry(1, FIRST, earlier, middle), earlier)).toBe(5_000);
  });

  test.each([0, -1, 1.5, Number.NaN])('refuses attempt %s', (attempt) => {
    expect(() => nextRetry(attempt, FIRST, FIRST, middle)).toThrow(RangeError);
  });

  test.each([1, -0.1, Number.NaN])('refuses a random value of %s', (value) => {
    expect(() => nextRetry(1, FIRST, FIRST, () => value)).toThrow(RangeError);
  });
});
