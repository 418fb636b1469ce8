import { type FileHandle, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Entry, type ScanResult, scanEntries } from './entries.js';
import { WebhookStoreCorruptError } from './errors.js';

/**
 * The files of a store directory: `snapshot.jsonl` (the whole state at one
 * point, replaced by rename) and `wal.<generation>.jsonl` (every change since
 * that snapshot, appended). The snapshot names the generation of the log
 * that continues it; a log of an older generation is one a finished
 * compaction had not yet removed.
 */

export const SNAPSHOT_FILE = 'snapshot.jsonl';
export const SNAPSHOT_DRAFT = `${SNAPSHOT_FILE}.tmp`;
const WAL_NAME = /^wal\.(\d+)\.jsonl$/;

export function walFile(generation: number): string {
  return `wal.${generation}.jsonl`;
}

/** Makes a directory's entries (files created, renamed, removed) durable. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes all of `data` at the handle's position (append mode: the end). */
export async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}

function reader(handle: FileHandle) {
  return async (buffer: Buffer, position: number) =>
    (await handle.read(buffer, 0, buffer.length, position)).bytesRead;
}

/**
 * Replays the snapshot, if there is one, and returns its generation (0
 * without one). A snapshot is renamed into place only once complete and
 * synced, so anything wrong with it is damage, not a crash.
 * @throws WebhookStoreCorruptError
 */
export async function readSnapshot(directory: string, onEntry: (entry: Entry) => void): Promise<number> {
  const path = join(directory, SNAPSHOT_FILE);
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let generation: number | undefined;
  let lines = 0;
  let ended = false;
  let scan: ScanResult;
  try {
    scan = await scanEntries(reader(handle), (entry) => {
      if (ended) throw new WebhookStoreCorruptError(`${path} goes on after its last line.`);
      if (lines === 0) {
        if (entry.op !== 'snapshot' || entry.version !== 1) {
          throw new WebhookStoreCorruptError(`${path} does not start with a version 1 snapshot header.`);
        }
        generation = entry.generation;
      } else if (entry.op === 'end') {
        if (entry.lines !== lines) throw new WebhookStoreCorruptError(`${path} has lost lines.`);
        ended = true;
      } else if (entry.op !== 'put' && entry.op !== 'commit') {
        throw new WebhookStoreCorruptError(`${path} holds a ${entry.op} entry.`);
      }
      lines += 1;
      onEntry(entry);
    });
  } finally {
    await handle.close();
  }
  if (scan.validBytes !== scan.totalBytes || !ended || generation === undefined) {
    throw new WebhookStoreCorruptError(
      `${path} is damaged (${scan.validBytes} of ${scan.totalBytes} bytes read).`,
    );
  }
  return generation;
}

/**
 * Replays the log of `generation` up to its first line that is incomplete or
 * fails its checksum (a write a crash cut short: nothing after it was ever
 * reported done) and cuts that tail off, so appends continue after whole
 * lines. Returns how many bytes were cut.
 */
export async function replayLog(
  directory: string,
  generation: number,
  onEntry: (entry: Entry) => void,
): Promise<number> {
  const path = join(directory, walFile(generation));
  let handle: FileHandle;
  try {
    handle = await open(path, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  try {
    const scan = await scanEntries(reader(handle), (entry) => {
      if (entry.op === 'snapshot' || entry.op === 'end') {
        throw new WebhookStoreCorruptError(`${path} holds a ${entry.op} entry.`);
      }
      onEntry(entry);
    });
    if (scan.validBytes === scan.totalBytes) return 0;
    await handle.truncate(scan.validBytes);
    await handle.sync();
    return scan.totalBytes - scan.validBytes;
  } finally {
    await handle.close();
  }
}

/**
 * Removes what a crash may leave behind: a snapshot draft and logs older
 * than the snapshot's. A log newer than it cannot come from this store.
 * @throws WebhookStoreCorruptError
 */
export async function removeLeftovers(directory: string, generation: number): Promise<void> {
  for (const name of await readdir(directory)) {
    const wal = WAL_NAME.exec(name);
    if (wal && Number(wal[1]) > generation) {
      throw new WebhookStoreCorruptError(`${join(directory, name)} is newer than ${SNAPSHOT_FILE}.`);
    }
    if ((wal && Number(wal[1]) < generation) || name === SNAPSHOT_DRAFT) {
      await rm(join(directory, name), { force: true });
    }
  }
}
