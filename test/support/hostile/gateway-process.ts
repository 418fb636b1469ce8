import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../../lib/config/env.js';
import type { AccountDocument } from '../../../lib/credentials/account.js';

/** The real gateway in a child process, and its memory as the kernel counts it. */
export interface GatewayProcess {
  url: string;
  pid: number;
  addAccount(id: string, document: AccountDocument): Promise<void>;
  token(): Promise<string>;
  /** Runs a full garbage collection in the child. */
  gc(): Promise<void>;
  /**
   * The child's longest event-loop delay since the previous call
   * (perf_hooks.monitorEventLoopDelay, 10 ms resolution; the histogram then
   * starts again) and its CPU time so far, both in ms.
   */
  loop(): Promise<{ maxDelayMs: number; cpuMs: number }>;
  /** The child has not exited. */
  alive(): boolean;
  /** Resident set size now, in bytes. */
  rss(): number;
  /**
   * Starts a peak measurement from the current RSS: the kernel's high-water
   * mark is reset (`/proc/PID/clear_refs`), with 5 ms sampling as well in case
   * that is not allowed. `stop()` returns the peak growth in bytes.
   */
  watchPeak(): { stop(): number };
  close(): Promise<void>;
}

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** `reuse`: keep IMAP connections between requests, as `npm start` does (off unless asked). */
export async function startGatewayProcess(
  config: Partial<Config>,
  options: { reuse?: boolean } = {},
): Promise<GatewayProcess> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./gateway-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: {
      ...process.env,
      MAILGATE_CHILD_CONFIG: JSON.stringify(config),
      MAILGATE_CHILD_REUSE: options.reuse ? 'on' : 'off',
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let seq = 0;
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`gateway child exited (${code})`)));
    child.on('message', (message: { ready?: string; seq?: number; result?: unknown; error?: string }) => {
      if (message.ready) return resolve(message.ready);
      const waiter = pending.get(message.seq ?? -1);
      if (!waiter) return;
      pending.delete(message.seq!);
      if (message.error !== undefined) waiter.reject(new Error(message.error));
      else waiter.resolve(message.result);
    });
  });
  const call = (op: string, args: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      seq += 1;
      pending.set(seq, { resolve, reject });
      child.send({ seq, op, ...args });
    });
  const pid = child.pid!;
  return {
    url,
    pid,
    addAccount: async (id, document) => {
      await call('account', { id, document });
    },
    token: async () => (await call('token')) as string,
    gc: async () => {
      await call('gc');
    },
    loop: async () => (await call('loop')) as { maxDelayMs: number; cpuMs: number },
    alive: () => child.exitCode === null && child.signalCode === null,
    rss: () => statusField(pid, 'VmRSS'),
    watchPeak() {
      const base = statusField(pid, 'VmRSS');
      let kernelPeak = true;
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
      } catch {
        kernelPeak = false;
      }
      let peak = base;
      const sample = () => {
        try {
          peak = Math.max(peak, statusField(pid, 'VmRSS'));
        } catch {
          // The child is gone: keep what was seen.
        }
      };
      const timer = setInterval(sample, 5);
      return {
        stop() {
          clearInterval(timer);
          sample();
          if (kernelPeak) peak = Math.max(peak, statusField(pid, 'VmHWM'));
          return peak - base;
        },
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.disconnect();
      }),
  };
}
