import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createEvent } from '../../../lib/webhooks/events.js';
import {
  type CompactionStep,
  type LocalWebhookStore,
  openLocalWebhookStore,
  WebhookStoreCorruptError,
} from '../../../lib/webhooks/local-store/index.js';
import type { WebhookRepository } from '../../../lib/webhooks/repository.js';
import { eventsFor, uidsUpTo } from './crash-plan.js';
import { startStoreProcess } from './local-store-process.js';
import { buildCreated, buildNewWebhook } from './store-builders.js';

const NOW = () => new Date('2026-05-01T12:00:00.000Z');
const ACCOUNTS = ['acme', 'globex'];

/** Everything a caller can see: every record, its cursors and its whole queue. */
async function observe(store: WebhookRepository) {
  const records = (await Promise.all(ACCOUNTS.map((account) => store.list(account)))).flat();
  return Promise.all(
    records.map(async (record) => ({
      record,
      cursors: await store.listCursors(record.id),
      queued: await store.listQueued(record.id, 1_000_000),
    })),
  );
}

const open = (directory: string, compactAtBytes?: number) =>
  openLocalWebhookStore({ directory, now: NOW, ...(compactAtBytes ? { compactAtBytes } : {}) });

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'mailgate-webhooks-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/**
 * One call per log line: the states seen after each, and where each line
 * ends in the log.
 */
async function recordHistory(directory: string) {
  const store = await open(directory);
  const wal = join(directory, 'wal.0.jsonl');
  const states = [await observe(store)];
  const ends = [0];
  const step = async (call: () => Promise<unknown>) => {
    await call();
    states.push(await observe(store));
    ends.push((await stat(wal)).size);
  };
  const { id } = await store.create(buildNewWebhook());
  states.push(await observe(store));
  ends.push((await stat(wal)).size);
  let state: string | null = null;
  for (let n = 1; n <= 4; n += 1) {
    const events = Array.from({ length: n }, (_, i) => buildCreated(n * 10 + i));
    await step(() => store.commitChanges(id, 'INBOX', { expectedState: state, nextState: `s${n}`, events }));
    state = `s${n}`;
  }
  const head = async () => (await store.listQueued(id, 1))[0]!.event.id;
  const first = await head();
  await step(() => store.markDelivered(id, first));
  const second = await head();
  await step(() => store.markFailed(id, second, { error: 'HTTP 500', nextAttemptAt: new Date(8.64e15) }));
  await step(() => store.update('acme', id, { url: 'https://moved.example.com/' }));
  let other = '';
  await step(async () => {
    other = (await store.create(buildNewWebhook({ account: 'globex' }))).id;
  });
  await step(() => store.enqueue(other, [createEvent('ping', { account: 'globex', webhook: other })]));
  await step(() => store.markFailed(id, second, { disable: 'gave up' }));
  await step(() => store.update('acme', id, { status: 'active' }));
  await step(() => store.delete('globex', other));
  await store.close();
  return { id, states, ends, bytes: await readFile(wal) };
}

describe('LocalWebhookStore: a log cut short by a crash', () => {
  test('cut at or beside any line end, or at random bytes, it opens to exactly the calls whose line is whole', async () => {
    const history = await recordHistory(join(root, 'history'));
    const { states, ends, bytes } = history;
    expect(ends.at(-1)).toBe(bytes.length);
    const cuts = new Set<number>();
    for (const end of ends)
      for (const cut of [end - 1, end, end + 1]) if (cut >= 0 && cut <= bytes.length) cuts.add(cut);
    for (let i = 0; i < 120; i += 1) cuts.add(randomInt(bytes.length + 1));
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      const directory = join(root, `cut-${cut}`);
      await open(directory).then((store) => store.close());
      await writeFile(join(directory, 'wal.0.jsonl'), bytes.subarray(0, cut));
      const whole = ends.filter((end) => end <= cut).length - 1;
      const store = await open(directory);
      try {
        expect({ cut, state: await observe(store) }).toEqual({ cut, state: states[whole] });
        expect(store.discardedBytes).toBe(cut - ends[whole]!);
        expect((await stat(join(directory, 'wal.0.jsonl'))).size).toBe(ends[whole]);
      } finally {
        await store.close();
      }
      await rm(directory, { recursive: true });
    }
  });

  test('after a cut, new calls continue the log and read back', async () => {
    const { id, states, ends, bytes } = await recordHistory(join(root, 'history'));
    const directory = join(root, 'cut');
    await open(directory).then((store) => store.close());
    // Inside the third commit's line: the store holds the webhook and two commits.
    await writeFile(join(directory, 'wal.0.jsonl'), bytes.subarray(0, ends[4]! - 7));
    let store = await open(directory);
    expect(await observe(store)).toEqual(states[3]);
    expect(
      await store.commitChanges(id, 'INBOX', {
        expectedState: 's2',
        nextState: 'x',
        events: [buildCreated(9)],
      }),
    ).toBe(true);
    const after = await observe(store);
    await store.close();
    store = await open(directory);
    expect(await observe(store)).toEqual(after);
    expect(store.discardedBytes).toBe(0);
    expect(after[0]!.queued.map((q) => q.event.id)).toEqual([
      ...states[3]![0]!.queued.map((q) => q.event.id),
      expect.any(String),
    ]);
    await store.close();
  });

  test('garbage after the last whole line (zeros, a line failing its checksum, noise) is cut off', async () => {
    const { states, bytes } = await recordHistory(join(root, 'history'));
    const line = bytes.toString('utf8').split('\n')[1]!;
    const forged = `${'0'.repeat(16)}${line.slice(16)}\n`;
    for (const garbage of [Buffer.alloc(4096), Buffer.from(forged), randomBytes(3000)]) {
      const directory = join(root, `garbage-${randomInt(1e9)}`);
      await open(directory).then((store) => store.close());
      await writeFile(join(directory, 'wal.0.jsonl'), Buffer.concat([bytes, garbage]));
      const store = await open(directory);
      expect(await observe(store)).toEqual(states.at(-1));
      expect(store.discardedBytes).toBe(garbage.length);
      await store.close();
    }
  });

  test('a damaged line is where replay stops: what follows it is not applied out of order', async () => {
    const { states, ends, bytes } = await recordHistory(join(root, 'history'));
    const damaged = Buffer.from(bytes);
    const at = ends[3]! + 40;
    damaged[at] = damaged[at]! ^ 0x01;
    const directory = join(root, 'damaged');
    await open(directory).then((store) => store.close());
    await writeFile(join(directory, 'wal.0.jsonl'), damaged);
    const store = await open(directory);
    expect(await observe(store)).toEqual(states[3]);
    expect(store.discardedBytes).toBe(bytes.length - ends[3]!);
    await store.close();
  });
});

describe('LocalWebhookStore: compaction', () => {
  test('keeps everything, bounds the log, and leaves one snapshot and one log', async () => {
    const directory = join(root, 'compacting');
    let store: LocalWebhookStore = await open(directory, 4096);
    const { id } = await store.create(buildNewWebhook());
    let state: string | null = null;
    for (let n = 1; n <= 120; n += 1) {
      await store.commitChanges(id, 'INBOX', {
        expectedState: state,
        nextState: `s${n}`,
        events: [buildCreated(n)],
      });
      state = `s${n}`;
      // A read waits for a compaction a call started, so the files are at rest.
      const [head] = await store.listQueued(id, 1);
      if (n % 3 === 0) await store.markDelivered(id, head!.event.id);
      const names = (await readdir(directory)).sort();
      expect(names.filter((name) => name.startsWith('wal.'))).toHaveLength(1);
      expect(names).not.toContain('snapshot.jsonl.tmp');
    }
    const before = await observe(store);
    expect(before[0]!.queued).toHaveLength(80);
    const names = await readdir(directory);
    const wal = names.find((name) => name.startsWith('wal.'))!;
    expect(Number(wal.split('.')[1])).toBeGreaterThan(3);
    // The log restarts at each compaction: never much past the threshold.
    expect((await stat(join(directory, wal))).size).toBeLessThan(4096 + 2048);
    await store.close();
    store = await open(directory, 4096);
    expect(await observe(store)).toEqual(before);
    await store.close();
  });

  test('calls made while a compaction runs are kept, once each', async () => {
    const directory = join(root, 'concurrent');
    let store = await open(directory, 1);
    const { id } = await store.create(buildNewWebhook());
    const mailboxes = Array.from({ length: 40 }, (_, i) => `Folder ${i}`);
    for (let round = 1; round <= 3; round += 1) {
      const results = await Promise.all(
        mailboxes.map((mailbox, i) =>
          store.commitChanges(id, mailbox, {
            expectedState: round === 1 ? null : `s${round - 1}`,
            nextState: `s${round}`,
            events: [buildCreated(round * 100 + i, mailbox)],
          }),
        ),
      );
      expect(results.every(Boolean)).toBe(true);
    }
    const before = await observe(store);
    expect(before[0]!.queued).toHaveLength(120);
    await store.close();
    store = await open(directory, 1);
    expect(await observe(store)).toEqual(before);
    await store.close();
  });

  test('a snapshot that does not read back is refused, naming the file and not its contents', async () => {
    const directory = join(root, 'snapshot');
    const store = await open(directory, 1);
    const { secret } = await store.create(buildNewWebhook());
    await store.commitChanges((await store.list('acme'))[0]!.id, 'INBOX', {
      expectedState: null,
      nextState: 's1',
      events: [],
    });
    await store.close();
    const path = join(directory, 'snapshot.jsonl');
    const text = await readFile(path, 'utf8');
    expect(text).toContain(secret);
    for (const damaged of [text.replace('"status":"active"', '"status":"disabled"'), text.slice(0, -30)]) {
      await writeFile(path, damaged);
      const opening = open(directory, 1);
      await expect(opening).rejects.toThrow(WebhookStoreCorruptError);
      const error = (await opening.catch((e: unknown) => e)) as Error;
      expect(`${error.message} ${String(error.cause)}`).not.toContain(secret.slice(6));
      // The lock was given back: the directory is not left looking open.
      expect(await readdir(directory)).not.toContain('lock');
    }
  });

  test('an unfinished snapshot draft left by a crash is ignored and removed', async () => {
    const directory = join(root, 'draft');
    let store = await open(directory);
    const { id } = await store.create(buildNewWebhook());
    await store.close();
    await writeFile(join(directory, 'snapshot.jsonl.tmp'), '0123456789abcdef {"op":"snapshot","vers');
    store = await open(directory);
    expect((await store.list('acme')).map((w) => w.id)).toEqual([id]);
    expect(await readdir(directory)).not.toContain('snapshot.jsonl.tmp');
    await store.close();
  });

  const steps: CompactionStep[] = [
    'snapshot-written',
    'snapshot-renamed',
    'snapshot-durable',
    'log-created',
    'old-log-removed',
  ];
  test.each(steps)('a process killed at "%s" loses no commit it acknowledged', async (step) => {
    const directory = join(root, step);
    // Compacted once already, so the kill comes during a later compaction (an older snapshot exists).
    const seed = await open(directory, 1);
    const { id } = await seed.create(buildNewWebhook());
    await seed.commitChanges(id, 'INBOX', {
      expectedState: null,
      nextState: '1',
      events: eventsFor('INBOX', 1),
    });
    await seed.close();
    expect(await readdir(directory)).toContain('snapshot.jsonl');
    const child = startStoreProcess(['kill-at', directory, step]);
    const exit = await child.exited;
    expect(exit.signal, child.stderr()).toBe('SIGKILL');
    const acked = child.lines
      .filter((line) => line.startsWith('ack INBOX '))
      .map((line) => Number(line.split(' ')[2]));
    expect(acked.length).toBeGreaterThan(0);
    const store = await open(directory, 4096);
    try {
      const cursor = Number(await store.getCursor(id, 'INBOX'));
      expect(cursor).toBeGreaterThanOrEqual(Math.max(...acked));
      const queued = await store.listQueued(id, 1_000_000);
      expect(queued.map((q) => (q.event.data as { message: { uid: number } }).message.uid)).toEqual(
        uidsUpTo(cursor),
      );
      const names = await readdir(directory);
      expect(names.filter((name) => name.startsWith('wal.'))).toHaveLength(1);
      expect(names).not.toContain('snapshot.jsonl.tmp');
    } finally {
      await store.close();
    }
  });
});
