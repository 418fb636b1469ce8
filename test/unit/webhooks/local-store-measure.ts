import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalWebhookStore } from '../../../lib/webhooks/local-store/index.js';
import { buildCreated, buildNewWebhook } from './store-builders.js';

/**
 * Figures for docs/DECISIONS.md, run by hand (not a test):
 *   node --expose-gc --import tsx test/unit/webhooks/local-store-measure.ts [directory]
 * Commits per second with fsync (one caller, then many at once: group
 * commit), and the log and snapshot sizes and reopen time for 10,000 queued
 * `message.created` events.
 */

const base = process.argv[2] ?? tmpdir();
const root = await mkdtemp(join(base, 'mailgate-webhooks-measure-'));
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
/** The live heap, collected first when run with --expose-gc. */
const heapUsed = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
};

/** One process's raw write + fsync rate on this disk, for comparison. */
async function fsyncsPerSecond(seconds: number): Promise<number> {
  const handle = await open(join(root, 'fsync-probe'), 'a', 0o600);
  const line = Buffer.from(`${'x'.repeat(200)}\n`);
  const stopAt = Date.now() + seconds * 1000;
  let count = 0;
  while (Date.now() < stopAt) {
    await handle.write(line);
    await handle.sync();
    count += 1;
  }
  await handle.close();
  return count / seconds;
}

async function commitsPerSecond(callers: number, seconds: number): Promise<number> {
  const directory = join(root, `rate-${callers}`);
  const store = await openLocalWebhookStore({ directory });
  const { id } = await store.create(buildNewWebhook());
  const stopAt = Date.now() + seconds * 1000;
  let commits = 0;
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      let state: string | null = null;
      for (let n = 1; Date.now() < stopAt; n += 1) {
        const next = `s${n}`;
        await store.commitChanges(id, `Folder ${c}`, {
          expectedState: state,
          nextState: next,
          events: [buildCreated(n, `Folder ${c}`)],
        });
        state = next;
        commits += 1;
      }
    }),
  );
  await store.close();
  return commits / seconds;
}

async function tenThousandEvents(perCommit: number) {
  const directory = join(root, `queue-${perCommit}`);
  // No compaction while queueing: the log holds every commit.
  let store = await openLocalWebhookStore({ directory, compactAtBytes: 2 ** 40 });
  const { id } = await store.create(buildNewWebhook());
  let state: string | null = null;
  for (let n = 0; n < 10_000 / perCommit; n += 1) {
    const events = Array.from({ length: perCommit }, (_, i) => buildCreated(n * perCommit + i));
    await store.commitChanges(id, 'INBOX', { expectedState: state, nextState: `s${n}`, events });
    state = `s${n}`;
  }
  await store.close();
  const logBytes = (await stat(join(directory, 'wal.0.jsonl'))).size;
  // Reopened with a tiny threshold, the next call compacts everything into a snapshot.
  store = await openLocalWebhookStore({ directory, compactAtBytes: 1 });
  const compactStarted = performance.now();
  await store.enqueue(id, []);
  await store.listQueued(id, 1); // a read waits for the compaction the call started
  const compactMs = performance.now() - compactStarted;
  await store.close();
  const snapshotBytes = (await stat(join(directory, 'snapshot.jsonl'))).size;
  // The earlier store, with its 10,000 events, is let go before measuring.
  store = undefined as never;
  const heapBefore = heapUsed();
  const started = performance.now();
  const reopened = await openLocalWebhookStore({ directory });
  const openMs = performance.now() - started;
  const heapAfter = heapUsed();
  const queued = (await reopened.listQueued(id, 20_000)).length;
  await reopened.close();
  return { perCommit, queued, logBytes, snapshotBytes, compactMs, openMs, heapDelta: heapAfter - heapBefore };
}

try {
  console.log(`raw append + fsync: ${(await fsyncsPerSecond(3)).toFixed(0)}/s`);
  for (const callers of [1, 4, 16, 64]) {
    console.log(`${callers} caller(s): ${(await commitsPerSecond(callers, 3)).toFixed(0)} commits/s`);
  }
  for (const perCommit of [1, 100]) {
    const r = await tenThousandEvents(perCommit);
    console.log(
      `10,000 events queued ${r.perCommit} per commit: ${r.queued} read back; log ${kib(r.logBytes)}, ` +
        `snapshot ${kib(r.snapshotBytes)} (compaction ${r.compactMs.toFixed(0)} ms), reopen from the snapshot ${r.openMs.toFixed(0)} ms, ` +
        `heap held ${kib(r.heapDelta)}`,
    );
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
