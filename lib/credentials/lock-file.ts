import { link, readFile, rename, rm } from 'node:fs/promises';

/**
 * What both lock files hold and how a dead holder's lock is taken over:
 * the accounts file's lock (file-lock.ts) and the webhook store's
 * directory lock (lib/webhooks/local-store/directory-lock.ts).
 */

/** A lock file's content: who holds it. */
export interface LockOwner {
  pid: number;
  host: string;
  /** Tells this holder's lock from a later one by the same process. */
  nonce: string;
}

/** The holder a lock file names; null when it is empty, being written or not ours. */
export function lockOwnerOf(text: string): LockOwner | null {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    return typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.nonce === 'string'
      ? (value as LockOwner)
      : null;
  } catch {
    return null;
  }
}

/** Whether a process of this host with that pid exists (one we may not signal exists too). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves a stale lock aside and removes it, if it is still the one judged
 * stale (`staleText`); a lock another process put there meanwhile is put
 * back. `nonce` names the aside file, so two recoveries never share it.
 */
export async function clearStaleLock(path: string, staleText: string, nonce: string): Promise<void> {
  const aside = `${path}.${nonce}.stale`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    const moved = await readFile(aside, 'utf8');
    if (moved !== staleText) await link(aside, path).catch(() => undefined);
  } finally {
    await rm(aside, { force: true });
  }
}
