import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DirectoryLock } from './directory-lock.js';
import { WebhookStoreError } from './errors.js';
import { type CompactionStep, Journal } from './journal.js';
import {
  readSnapshot,
  removeLeftovers,
  replayLog,
  SNAPSHOT_FILE,
  syncDirectory,
  walFile,
} from './journal-files.js';
import { LocalWebhookStore } from './local-webhook-store.js';
import { WebhookState } from './state.js';

/** Where the local server keeps its webhooks, relative to its working directory. */
export const DEFAULT_WEBHOOK_STORE_DIRECTORY = '.mailgate/webhooks';
/** The log is compacted into a snapshot once it is this long (and longer than the last snapshot). */
export const DEFAULT_COMPACT_AT_BYTES = 8 * 1024 * 1024;

export interface LocalWebhookStoreOptions {
  /** Created (mode 0700) if missing; its files are 0600: they hold signing secrets. */
  directory: string;
  now?: () => Date;
  compactAtBytes?: number;
  /** For crash tests: called after each step of a compaction. */
  onCompactionStep?: (step: CompactionStep) => void;
}

/**
 * Opens the store in `directory`, which one process at a time may have open
 * (a `lock` file). Reads the snapshot, then the log that continues it,
 * cutting off a last line a crash left unfinished, and removes what an
 * interrupted compaction left behind.
 * @throws WebhookStoreLockedError when another process has it open
 * @throws WebhookStoreCorruptError when the snapshot does not read back, or a log does not belong with it
 * @throws WebhookStoreError when the directory cannot be used
 * @throws RangeError for a `compactAtBytes` that is not a positive whole number
 */
export async function openLocalWebhookStore(options: LocalWebhookStoreOptions): Promise<LocalWebhookStore> {
  const compactAtBytes = options.compactAtBytes ?? DEFAULT_COMPACT_AT_BYTES;
  if (!(Number.isSafeInteger(compactAtBytes) && compactAtBytes > 0)) {
    throw new RangeError('compactAtBytes must be a whole number of bytes above 0');
  }
  const directory = resolve(options.directory);
  try {
    await makeDirectory(directory);
  } catch (cause) {
    throw new WebhookStoreError(`Could not create the webhook store ${directory} (${codeOf(cause)}).`, {
      cause,
    });
  }
  let lock: DirectoryLock;
  try {
    lock = await DirectoryLock.acquire(directory);
  } catch (cause) {
    if (cause instanceof WebhookStoreError) throw cause;
    throw new WebhookStoreError(`Could not lock the webhook store ${directory} (${codeOf(cause)}).`, {
      cause,
    });
  }
  try {
    const state = new WebhookState();
    const generation = await readSnapshot(directory, (entry) => state.apply(entry));
    await removeLeftovers(directory, generation);
    const discardedBytes = await replayLog(directory, generation, (entry) => state.apply(entry));
    const journal = await Journal.open({
      directory,
      generation,
      logBytes: await sizeOf(join(directory, walFile(generation))),
      snapshotBytes: await sizeOf(join(directory, SNAPSHOT_FILE)),
      compactAtBytes,
      snapshot: (next) => state.snapshotLines(next),
      ...(options.onCompactionStep ? { onCompactionStep: options.onCompactionStep } : {}),
    });
    return new LocalWebhookStore({
      directory,
      discardedBytes,
      state,
      journal,
      lock,
      now: options.now ?? (() => new Date()),
    });
  } catch (error) {
    await lock.release().catch(() => undefined);
    if (error instanceof WebhookStoreError) throw error;
    throw new WebhookStoreError(`Could not open the webhook store ${directory} (${codeOf(error)}).`, {
      cause: error,
    });
  }
}

/** mkdir -p with mode 0700, each new directory's name made durable in its parent. */
async function makeDirectory(directory: string): Promise<void> {
  const first = await mkdir(directory, { recursive: true, mode: 0o700 });
  await chmod(directory, 0o700);
  if (first === undefined) return;
  for (let dir = directory; ; dir = dirname(dir)) {
    await syncDirectory(dirname(dir));
    if (dir === first || dirname(dir) === dir) return;
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

function codeOf(cause: unknown): string {
  return (cause as NodeJS.ErrnoException).code ?? (cause as Error).name ?? 'unknown error';
}
