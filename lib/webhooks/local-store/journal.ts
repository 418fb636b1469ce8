import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Entry, encodeEntry } from './entries.js';
import { WebhookStoreError } from './errors.js';
import { SNAPSHOT_DRAFT, SNAPSHOT_FILE, syncDirectory, walFile, writeAll } from './journal-files.js';

/** The steps of a compaction, named for crash tests that stop the process at one. */
export type CompactionStep =
  | 'snapshot-written'
  | 'snapshot-renamed'
  | 'snapshot-durable'
  | 'log-created'
  | 'old-log-removed';

export interface JournalOptions {
  directory: string;
  generation: number;
  /** Bytes already in the current log. */
  logBytes: number;
  /** Bytes of the snapshot it continues. */
  snapshotBytes: number;
  /** Compact once the log is at least this long and at least as long as the last snapshot. */
  compactAtBytes: number;
  /** The state as snapshot lines, at the instant it is called (every entry appended so far included). */
  snapshot: (generation: number) => string[];
  /** For crash tests: called after each step of a compaction. */
  onCompactionStep?: (step: CompactionStep) => void;
}

interface Waiter {
  line: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * The append side of the store. `append` takes an entry the caller applies
 * in memory in the same synchronous step, and resolves once it is on disk
 * (written and fsynced). Entries appended while a write is in flight go out together in
 * the next one, one fsync for all (group commit). Each line is encoded when
 * appended, so later changes to the objects it names cannot alter it.
 *
 * Once a write or a sync fails the journal refuses everything after: what
 * is in memory may then be ahead of the disk, and a failed fsync may have
 * dropped pages the kernel will not report again. Reopening the store reads
 * back what is durable.
 */
export class Journal {
  readonly #options: JournalOptions;
  #generation: number;
  #logBytes: number;
  #snapshotBytes: number;
  #handle: FileHandle | undefined;
  #pending: Waiter[] = [];
  #running: Promise<void> | undefined;
  #failure: Error | undefined;

  private constructor(options: JournalOptions, handle: FileHandle) {
    this.#options = options;
    this.#generation = options.generation;
    this.#logBytes = options.logBytes;
    this.#snapshotBytes = options.snapshotBytes;
    this.#handle = handle;
  }

  static async open(options: JournalOptions): Promise<Journal> {
    const handle = await openLog(options.directory, options.generation);
    return new Journal(options, handle);
  }

  /** Resolves when `entry` is durable. */
  append(entry: Entry): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    const line = encodeEntry(entry);
    const done = new Promise<void>((resolve, reject) => this.#pending.push({ line, resolve, reject }));
    this.#running ??= this.#run();
    return done;
  }

  /** @throws WebhookStoreError once the journal has failed or is closed. */
  assertOpen(): void {
    if (this.#failure) throw this.#failure;
  }

  /**
   * Resolves when nothing appended is waiting to be written, so a read that
   * follows sees only durable changes; rejects if the journal has failed.
   */
  async settled(): Promise<void> {
    while (this.#running) await this.#running;
    if (this.#failure) throw this.#failure;
  }

  /** Waits for writes in flight and closes the log. */
  async close(): Promise<void> {
    while (this.#running) await this.#running;
    const handle = this.#handle;
    this.#handle = undefined;
    this.#failure ??= new WebhookStoreError('The webhook store is closed.');
    await handle?.close();
  }

  async #run(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending;
        this.#pending = [];
        try {
          await this.#write(batch);
        } catch (cause) {
          // Waiters already resolved ignore the rejection.
          const error = new WebhookStoreError(
            `Could not write the webhook store ${this.#options.directory} (${describeCause(cause)}); ` +
              'it refuses changes until reopened.',
            { cause },
          );
          this.#failure = error;
          for (const waiter of [...batch, ...this.#pending.splice(0)]) waiter.reject(error);
        }
      }
    } finally {
      this.#running = undefined;
    }
  }

  async #write(batch: Waiter[]): Promise<void> {
    const handle = this.#handle;
    if (handle === undefined) throw new Error('closed');
    const data = Buffer.from(batch.map((waiter) => waiter.line).join(''), 'utf8');
    await writeAll(handle, data);
    await handle.sync();
    this.#logBytes += data.length;
    for (const waiter of batch) waiter.resolve();
    if (this.#logBytes >= this.#options.compactAtBytes && this.#logBytes >= this.#snapshotBytes) {
      // Entries appended meanwhile are in memory, hence in the snapshot: it makes them durable too.
      const covered = this.#pending;
      this.#pending = [];
      try {
        await this.#compact();
      } catch (error) {
        this.#pending = [...covered, ...this.#pending];
        throw error;
      }
      for (const waiter of covered) waiter.resolve();
    }
  }

  /**
   * Snapshot, then a new log: the snapshot (naming the next generation) is
   * written aside, synced, renamed over the old one and the directory
   * synced; only then is the next log created and the old one removed. A
   * crash before the rename leaves the old snapshot and log; after it, the
   * new snapshot, whose generation's log is missing (empty) or new.
   */
  async #compact(): Promise<void> {
    const { directory, onCompactionStep: step } = this.#options;
    const next = this.#generation + 1;
    const lines = this.#options.snapshot(next);
    const draft = join(directory, SNAPSHOT_DRAFT);
    const handle = await open(draft, 'w', 0o600);
    let bytes = 0;
    try {
      for (let i = 0; i < lines.length; i += 1000) {
        const data = Buffer.from(lines.slice(i, i + 1000).join(''), 'utf8');
        await writeAll(handle, data);
        bytes += data.length;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    step?.('snapshot-written');
    await rename(draft, join(directory, SNAPSHOT_FILE));
    step?.('snapshot-renamed');
    await syncDirectory(directory);
    step?.('snapshot-durable');
    const previous = this.#generation;
    const newLog = await openLog(directory, next);
    await this.#handle?.close();
    this.#handle = newLog;
    this.#generation = next;
    this.#logBytes = 0;
    this.#snapshotBytes = bytes;
    step?.('log-created');
    await rm(join(directory, walFile(previous)), { force: true });
    step?.('old-log-removed');
  }
}

/** Opens (creating if need be) the log of `generation` for appending; a new file's name is made durable. */
async function openLog(directory: string, generation: number): Promise<FileHandle> {
  const handle = await open(join(directory, walFile(generation)), 'a', 0o600);
  await syncDirectory(directory);
  return handle;
}

function describeCause(cause: unknown): string {
  return (cause as NodeJS.ErrnoException).code ?? (cause as Error).name ?? 'unknown error';
}
