import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The longest the event loop may stall on one input. */
export const MAX_EVENT_LOOP_DELAY_MS = 100;

const RESOLUTION_MS = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

export interface EventLoopWatch {
  /**
   * Runs `call` and returns a description of the stall it caused, or null.
   * A stall counts when the event loop was held more than
   * MAX_EVENT_LOOP_DELAY_MS (perf_hooks.monitorEventLoopDelay) and running
   * the call again costs that much CPU too: a busy machine can delay the
   * loop, but it cannot make the code burn CPU.
   */
  check(call: () => unknown): Promise<string | null>;
  stop(): void;
}

/** Starts watching the event loop; call stop() when done. */
export async function watchEventLoop(): Promise<EventLoopWatch> {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  // The histogram measures from its previous sample: let it take one.
  await sleep(3 * RESOLUTION_MS);
  const run = async (call: () => unknown) => {
    try {
      await call();
    } catch {
      // Refusing an input is fine; only the time matters here.
    }
  };
  return {
    async check(call) {
      await run(call);
      // Let the histogram's timer fire after whatever the call held.
      await sleep(1);
      const delayMs = histogram.max / 1e6;
      if (delayMs <= MAX_EVENT_LOOP_DELAY_MS) return null;
      histogram.reset();
      const cpu = process.cpuUsage();
      await run(call);
      const again = cpuMs(cpu);
      await sleep(3 * RESOLUTION_MS);
      return again > MAX_EVENT_LOOP_DELAY_MS
        ? `event loop held ${delayMs.toFixed(0)} ms (${again.toFixed(0)} ms of CPU when run again)`
        : null;
    },
    stop() {
      histogram.disable();
    },
  };
}
