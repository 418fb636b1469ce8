import { randomBytes } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { clearStaleLock, type LockOwner, lockOwnerOf, processExists } from '../../credentials/lock-file.js';
import { WebhookStoreLockedError } from './errors.js';

const LOCK_FILE = 'lock';

/**
 * The store's single-writer lock: a `lock` file in the directory naming its
 * holder, held for as long as the store is open. It is created whole (written
 * under another name, then hard-linked into place, which fails if it exists),
 * so no one ever reads a half-written lock. A lock whose holder is gone (this
 * host, no such process: a crash) is taken over; one held by a live process,
 * or by another host, is refused.
 */
export class DirectoryLock {
  readonly path: string;
  readonly #nonce = randomBytes(12).toString('hex');
  #held = false;

  private constructor(directory: string) {
    this.path = join(directory, LOCK_FILE);
  }

  /** @throws WebhookStoreLockedError when another live process, or this one, holds it. */
  static async acquire(directory: string): Promise<DirectoryLock> {
    const lock = new DirectoryLock(directory);
    const text = JSON.stringify({
      pid: process.pid,
      host: hostname(),
      nonce: lock.#nonce,
    } satisfies LockOwner);
    const draft = `${lock.path}.${lock.#nonce}.tmp`;
    await writeFile(draft, text, { mode: 0o600, flag: 'wx' });
    try {
      // A few rounds: each either takes the lock, finds it held, or clears a dead holder's.
      for (let round = 0; round < 5; round += 1) {
        try {
          await link(draft, lock.path);
          lock.#held = true;
          return lock;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
        const held = await readFile(lock.path, 'utf8').catch(() => undefined);
        if (held === undefined) continue;
        const owner = lockOwnerOf(held);
        if (owner === null || owner.host !== hostname() || processExists(owner.pid)) {
          throw new WebhookStoreLockedError(
            `The webhook store ${directory} is open in another process (${describe(owner)}). ` +
              `Only one process may open it; if that process is gone, remove ${lock.path}.`,
          );
        }
        await clearStaleLock(lock.path, held, lock.#nonce);
      }
      throw new WebhookStoreLockedError(`Could not take the lock ${lock.path}: it keeps changing hands.`);
    } finally {
      await rm(draft, { force: true });
    }
  }

  /** Whether the lock file is still this holder's. */
  async stillHeld(): Promise<boolean> {
    if (!this.#held) return false;
    const text = await readFile(this.path, 'utf8').catch(() => undefined);
    return text !== undefined && lockOwnerOf(text)?.nonce === this.#nonce;
  }

  async release(): Promise<void> {
    if (!(await this.stillHeld())) return;
    this.#held = false;
    await rm(this.path, { force: true });
  }
}

function describe(owner: LockOwner | null): string {
  if (owner === null) return 'an unreadable lock file';
  return owner.pid === process.pid && owner.host === hostname()
    ? 'this process already has it open'
    : `pid ${owner.pid} on ${owner.host}`;
}
