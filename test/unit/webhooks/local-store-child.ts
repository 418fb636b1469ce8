import { type FileHandle, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type CompactionStep, openLocalWebhookStore } from '../../../lib/webhooks/local-store/index.js';
import type { WebhookRepository } from '../../../lib/webhooks/repository.js';
import { CRASH_MAILBOXES, eventsFor } from './crash-plan.js';
import { buildNewWebhook } from './store-builders.js';

/**
 * A process for the local store's crash tests, killed with SIGKILL by the
 * test. It prints a line once each call has resolved, so the test knows
 * what was reported done before the kill:
 *
 *   node --import tsx local-store-child.ts commit-loop <dir> <compactAtBytes> [padding] [short-writes]
 *     `ready`, then forever: on each of CRASH_MAILBOXES a chain of
 *     commitChanges (as crash-plan.ts describes, events padded), printing
 *     `ack <mailbox> <n>`; and a deliverer printing `delivered <mailbox> <uid>`.
 *     With `short-writes`, files are written in small pieces (see shortWrites).
 *   node --import tsx local-store-child.ts kill-at <dir> <step>
 *     commits on INBOX (printing acks) until a compaction reaches <step>,
 *     where it kills itself.
 *   node --import tsx local-store-child.ts hold <dir>
 *     opens the store, prints `ready` and waits.
 */

const say = (line: string) => process.stdout.write(`${line}\n`);

/**
 * Makes every file write short (at most 4 KiB, as write(2) may be) and
 * yields between them, so a batch of lines is written in many pieces and a
 * kill at a random moment often lands between two: a log cut mid-line by a
 * real SIGKILL.
 */
async function shortWrites(directory: string): Promise<void> {
  const probe = await open(join(directory, 'short-write-probe'), 'w');
  const prototype = Object.getPrototypeOf(probe) as FileHandle;
  await probe.close();
  await rm(join(directory, 'short-write-probe'));
  const write = prototype.write as (this: FileHandle, ...args: unknown[]) => Promise<unknown>;
  Object.assign(prototype, {
    async write(this: FileHandle, data: unknown, offset?: number, length?: number, position?: unknown) {
      if (!Buffer.isBuffer(data) || typeof offset !== 'number' || typeof length !== 'number') {
        return write.call(this, data, offset, length, position);
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
      return write.call(this, data, offset, Math.min(length, 4096), position);
    },
  });
}

async function webhookOf(store: WebhookRepository): Promise<string> {
  const [existing] = await store.list('acme');
  return existing?.id ?? (await store.create(buildNewWebhook())).id;
}

async function commitChain(
  store: WebhookRepository,
  webhookId: string,
  mailbox: string,
  padding = 0,
): Promise<never> {
  for (;;) {
    const current = await store.getCursor(webhookId, mailbox);
    const n = current === undefined ? 1 : Number(current) + 1;
    const events = eventsFor(mailbox, n, padding);
    const change = { expectedState: current ?? null, nextState: String(n), events };
    if (!(await store.commitChanges(webhookId, mailbox, change))) throw new Error('lost a compare-and-set');
    say(`ack ${mailbox} ${n}`);
  }
}

async function deliverer(store: WebhookRepository): Promise<never> {
  for (;;) {
    const [due] = await store.nextDue(new Date(8.64e15), 1);
    if (due === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      continue;
    }
    const { event } = due.queued;
    if (event.type !== 'message.created') throw new Error('unexpected event');
    if (event.data.message.uid! % 4 === 0 && due.queued.attempts === 0) {
      await store.markFailed(due.webhook.id, event.id, { error: 'HTTP 500', nextAttemptAt: new Date(0) });
      continue;
    }
    if (await store.markDelivered(due.webhook.id, event.id)) {
      say(`delivered ${event.data.mailbox} ${event.data.message.uid}`);
    }
  }
}

async function main(): Promise<void> {
  const [mode, directory, arg, padding, short] = process.argv.slice(2);
  if (directory === undefined) throw new Error('usage: <mode> <dir> [arg]');
  if (mode === 'hold') {
    await openLocalWebhookStore({ directory });
    say('ready');
    setInterval(() => undefined, 60_000);
    return;
  }
  if (mode === 'commit-loop') {
    if (short === 'short-writes') await shortWrites(directory);
    const store = await openLocalWebhookStore({ directory, compactAtBytes: Number(arg) });
    const id = await webhookOf(store);
    say('ready');
    const chains = CRASH_MAILBOXES.map((m) => commitChain(store, id, m, Number(padding ?? 0)));
    await Promise.all([...chains, deliverer(store)]);
    return;
  }
  if (mode === 'kill-at') {
    const target = arg as CompactionStep;
    const store = await openLocalWebhookStore({
      directory,
      compactAtBytes: 4096,
      onCompactionStep: (step) => {
        if (step === target) process.kill(process.pid, 'SIGKILL');
      },
    });
    const id = await webhookOf(store);
    say('ready');
    await commitChain(store, id, 'INBOX');
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
