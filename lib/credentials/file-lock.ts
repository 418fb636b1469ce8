import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { clearStaleLock, type LockOwner, lockOwnerOf, processExists } from './lock-file.js';

export interface FileLockOptions {
  /** Give up after this long (ms). */
  waitMs?: number;
  /** A lock this old (by its mtime) is taken to be left behind, whoever holds it (ms). */
  staleMs?: number;
}

/** Thrown when the lock could not be had, or was taken away from a holder that took too long. */
export class FileLockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileLockError';
  }
}

const DEFAULT_WAIT_MS = 10_000;
/** A read-modify-write of the credential file takes milliseconds; half a minute is certainly abandoned. */
const DEFAULT_STALE_MS = 30_000;

/**
 * An exclusive lock between processes on one file: `<file>.lock`, created
 * with O_EXCL and naming its holder (pid, host, a random nonce). A lock
 * whose holder is gone (same host, no such process) or that is older than
 * `staleMs` is recovered: renamed aside, and removed only if it is still the
 * one that was judged stale (else put back), so two processes recovering at
 * once cannot remove each other's fresh lock.
 */
export class FileLock {
  readonly path: string;
  readonly #waitMs: number;
  readonly #staleMs: number;
  #nonce: string | null = null;

  constructor(file: string, options: FileLockOptions = {}) {
    this.path = `${file}.lock`;
    this.#waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
    this.#staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  }

  /** Runs `work` holding the lock; the lock is released whatever happens. */
  async hold<T>(work: (lock: FileLock) => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work(this);
    } finally {
      await this.release();
    }
  }

  /** @throws FileLockError when another holder keeps it past `waitMs`. */
  async acquire(): Promise<void> {
    const nonce = randomBytes(12).toString('hex');
    const text = JSON.stringify({ pid: process.pid, host: hostname(), nonce } satisfies LockOwner);
    const giveUpAt = Date.now() + this.#waitMs;
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    for (let attempt = 0; ; attempt += 1) {
      try {
        const handle = await open(this.path, 'wx', 0o600);
        try {
          await handle.writeFile(text, 'utf8');
        } finally {
          await handle.close();
        }
        this.#nonce = nonce;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const held = await this.#inspect();
      if (held === 'gone') continue;
      if (held.stale) {
        await clearStaleLock(this.path, held.text, nonce);
        continue;
      }
      if (Date.now() >= giveUpAt) {
        throw new FileLockError(`${this.path} is held by another process (${held.text.slice(0, 200)})`);
      }
      // Up to ~50 ms, jittered, so waiting processes do not retry in step.
      await delay(Math.min(50, 5 + attempt * 5) * (0.5 + Math.random()));
    }
  }

  /** True while this lock file is still ours (no one recovered it as stale). */
  async stillHeld(): Promise<boolean> {
    if (this.#nonce === null) return false;
    const text = await readFile(this.path, 'utf8').catch(() => null);
    return text !== null && lockOwnerOf(text)?.nonce === this.#nonce;
  }

  /** Removes the lock file if it is still ours. */
  async release(): Promise<void> {
    if (this.#nonce === null) return;
    const mine = await this.stillHeld();
    this.#nonce = null;
    if (mine) await rm(this.path, { force: true });
  }

  async #inspect(): Promise<'gone' | { text: string; stale: boolean }> {
    let text: string;
    let mtimeMs: number;
    try {
      [text, { mtimeMs }] = await Promise.all([readFile(this.path, 'utf8'), stat(this.path)]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
      throw error;
    }
    const owner = lockOwnerOf(text);
    const old = Date.now() - mtimeMs > this.#staleMs;
    // An empty or unreadable lock is one being written: only its age can make it stale.
    const dead = owner !== null && owner.host === hostname() && !processExists(owner.pid);
    return { text, stale: old || dead };
  }
}
