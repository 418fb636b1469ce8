import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'local-store-child.ts');

/** local-store-child.ts running in its own process, with every line it has printed so far. */
export interface StoreProcess {
  child: ChildProcess;
  lines: string[];
  /** Resolves once a printed line satisfies `match`; rejects if the process ends first. */
  waitFor(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

export function startStoreProcess(args: string[]): StoreProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let partial = '';
  let errors = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    const parts = (partial + text).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    for (const listener of listeners) listener();
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    errors += text;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      for (const listener of listeners) listener();
      resolve({ code, signal });
    }),
  );
  const waitFor = (match: (line: string) => boolean, timeoutMs = 20_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`timed out; stderr: ${errors}`)), timeoutMs);
      const check = () => {
        const found = lines.find(match);
        if (found !== undefined) finish(undefined, found);
        else if (child.exitCode !== null || child.signalCode !== null) {
          finish(new Error(`child ended (${child.exitCode ?? child.signalCode}); stderr: ${errors}`));
        }
      };
      const finish = (error?: Error, line?: string) => {
        clearTimeout(timer);
        listeners.delete(check);
        if (error) reject(error);
        else resolve(line!);
      };
      listeners.add(check);
      check();
    });
  return { child, lines, waitFor, exited, stderr: () => errors };
}
