/** Small helpers of the watcher: a counting semaphore and the reconnect backoff. */

/** At most `size` holders at once; the rest wait in order. */
export class Semaphore {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.#free = size;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free -= 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free += 1;
    }
  }
}

export const RECONNECT_BASE_MS = 1_000;
export const RECONNECT_MAX_MS = 60_000;

/**
 * The wait before reconnect attempt `attempt` (1 = the first after a drop):
 * doubling from `baseMs`, capped at `maxMs`, with "full jitter" in the upper
 * half (so a server restart does not bring every connection back at once).
 */
export function reconnectDelay(
  attempt: number,
  random: () => number = Math.random,
  baseMs = RECONNECT_BASE_MS,
  maxMs = RECONNECT_MAX_MS,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Wakes a loop that waits for something besides its other timers (the
 * watched set changed). `next()` is one promise until the loop `take()`s
 * the wake, so a wake that comes while the loop is busy (its wait lost a
 * race) is seen at its next wait, and waiting round after round adds no
 * handler.
 */
export class Wakeup {
  #woken = false;
  #promise: Promise<void> | null = null;
  #resolve: (() => void) | null = null;

  wake(): void {
    this.#woken = true;
    this.#resolve?.();
  }

  /** Resolves at the next wake, or at once when one came since the last `take()`. */
  next(): Promise<void> {
    if (!this.#promise) {
      this.#promise = this.#woken
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            this.#resolve = resolve;
          });
    }
    return this.#promise;
  }

  /** The loop acts on the wake: `next()` waits for a new one. */
  take(): void {
    this.#woken = false;
    this.#promise = null;
    this.#resolve = null;
  }
}
