import { randomInt } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openLocalWebhookStore } from '../../../lib/webhooks/local-store/index.js';
import { CRASH_MAILBOXES, uidsUpTo } from './crash-plan.js';
import { startStoreProcess } from './local-store-process.js';

/**
 * A process committing on four mailboxes at once and delivering, killed
 * with SIGKILL at a random moment, again and again over one directory. In
 * every other round the log is kept small, so that kills land during
 * compactions; in the others, events are padded and files written in small
 * pieces, so that kills land in the middle of a write and leave a line cut
 * short. After each kill the store must open, hold every commit and
 * delivery the process acknowledged, and be consistent: each mailbox's
 * queued events are exactly the tail of what its commits up to the cursor
 * queued (no commit half there, none past the cursor, none twice, in order).
 */

const ROUNDS = 14;
const SMALL_LOG = ['48000'];
const TORN_WRITES = [String(2 ** 30), '8000', 'short-writes'];

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mailgate-webhooks-crash-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Uid {
  mailbox: string;
  uid: number;
}

test(`killed ${ROUNDS} times at random while committing, the store keeps every acknowledged call`, async () => {
  const delivered = new Set<string>();
  let acknowledged = 0;
  let tornRounds = 0;
  const wals = new Set<string>();
  for (let round = 0; round < ROUNDS; round += 1) {
    const child = startStoreProcess(['commit-loop', root, ...(round % 2 === 0 ? SMALL_LOG : TORN_WRITES)]);
    await child.waitFor((line) => line === 'ready');
    await child.waitFor((line) => line.startsWith('ack '));
    await new Promise((resolve) => setTimeout(resolve, randomInt(5, 300)));
    child.child.kill('SIGKILL');
    const exit = await child.exited;
    expect(exit.signal, child.stderr()).toBe('SIGKILL');

    const acked = new Map<string, number>();
    for (const line of child.lines) {
      const [kind, mailbox, value] = line.split(' ');
      if (kind === 'ack') {
        acked.set(mailbox!, Math.max(acked.get(mailbox!) ?? 0, Number(value)));
        acknowledged += 1;
      }
      if (kind === 'delivered') delivered.add(`${mailbox} ${value}`);
    }

    const store = await openLocalWebhookStore({ directory: root });
    try {
      if (store.discardedBytes > 0) tornRounds += 1;
      const [webhook, ...others] = await store.list('acme');
      expect(others).toEqual([]);
      const queued = await store.listQueued(webhook!.id, 10_000_000);
      const queuedUids: Uid[] = queued.map((q) => {
        const data = q.event.data as { mailbox: string; state: string; message: { uid: number } };
        return { mailbox: data.mailbox, uid: data.message.uid };
      });
      for (const mailbox of CRASH_MAILBOXES) {
        const cursor = Number((await store.getCursor(webhook!.id, mailbox)) ?? 0);
        expect(cursor, `${mailbox} in round ${round}`).toBeGreaterThanOrEqual(acked.get(mailbox) ?? 0);
        const all = uidsUpTo(cursor);
        const left = queuedUids.filter((q) => q.mailbox === mailbox).map((q) => q.uid);
        // Deliveries take from the head, so what is left is the tail of everything committed.
        expect(left, `${mailbox} in round ${round}`).toEqual(all.slice(all.length - left.length));
        expect(left.filter((uid) => delivered.has(`${mailbox} ${uid}`))).toEqual([]);
      }
      expect(new Set(queued.map((q) => q.event.id)).size).toBe(queued.length);
      for (const name of await readdir(root)) if (name.startsWith('wal.')) wals.add(name);
    } finally {
      await store.close();
    }
  }
  // The run did what it is for: many acknowledged calls, compactions between kills, kills mid-write.
  expect(acknowledged).toBeGreaterThan(ROUNDS * 10);
  expect(wals.size).toBeGreaterThan(2);
  expect(tornRounds).toBeGreaterThan(0);
  console.info(
    `crash test: ${acknowledged} commits acknowledged, ${delivered.size} deliveries, ` +
      `${wals.size} log generations seen, ${tornRounds} kills left a line cut short`,
  );
}, 120_000);
