import { afterAll, beforeAll, expect, test } from 'vitest';
import { MailgateError } from '../../../lib/mail/errors.js';
import type { MailboxRef } from '../../../lib/mail/types.js';
import type { CommandAction, FaultProxy } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { buildGetOptions, buildMessage, createImapUser } from '../imap/imap-test-kit.js';
import { buildPool, plainProxy, request, viaProxy } from './reuse-kit.js';

/**
 * 1,000 requests (lists, gets and flag updates) over 10 accounts through
 * pooled connections, with the proxy cutting, resetting or stalling random
 * commands. Every answer must be what the seeded mailbox gives without
 * faults or reuse, or one of the errors a fault causes without reuse too
 * (upstream_unavailable, upstream_timeout); no request may outlive its
 * deadline by more than a second, and no account may ever hold more
 * connections than the cap.
 */
const ACCOUNTS = 10;
const REQUESTS = 1_000;
const WORKERS = 20;
const CAP = 3;
const DEADLINE_MS = 1_500;
const INBOX: MailboxRef = { kind: 'path', path: 'INBOX' };
const FAULT_ERRORS = new Set(['upstream_unavailable', 'upstream_timeout']);

interface Account {
  user: MailUser;
  proxy: FaultProxy;
  subjects: string[];
  ids: string[];
}
let accounts: Account[] = [];

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(async () => {
  accounts = await Promise.all(
    Array.from({ length: ACCOUNTS }, async (_, n) => {
      const user = await createImapUser(`stress${n}`);
      const subjects = Array.from({ length: 5 }, (_, i) => `stress ${n}.${i}`);
      await user.seed(
        'INBOX',
        subjects.map((subject) => ({ raw: buildMessage({ subject }) })),
      );
      const proxy = await plainProxy(user);
      const ids = await request(user, undefined, viaProxy(proxy, true), async (store) =>
        (await store.listMessages(INBOX, { limit: 10, filter: {} })).messages.map((m) => m.id),
      );
      return { user, proxy, subjects, ids };
    }),
  );
});

afterAll(async () => {
  await Promise.all(accounts.map((a) => a.proxy.close()));
});

test('1,000 requests over 10 accounts with random faults: right answers, no hangs, never over the cap', {
  timeout: 120_000,
}, async () => {
  const faultDice = random(6);
  for (const account of accounts) {
    // The seeding request's connection must be gone before the peak is counted.
    await account.proxy.whenIdle();
    account.proxy.reset();
    account.proxy.setFaults({
      onCommand: (line): CommandAction => {
        if (/ LOGIN /.test(line)) return 'forward';
        const roll = faultDice();
        return roll < 0.01 ? 'cut' : roll < 0.02 ? 'reset' : roll < 0.03 ? 'stall' : 'forward';
      },
    });
  }
  const pool = buildPool({ idleMs: 10_000, maxIdlePerAccount: CAP, maxPerAccount: CAP });
  const dice = random(42);
  const plan = Array.from({ length: REQUESTS }, () => ({
    account: accounts[Math.floor(dice() * ACCOUNTS)]!,
    kind: dice(),
    message: Math.floor(dice() * 5),
  }));
  let ok = 0;
  let failed = 0;
  let slowest = 0;
  const wrong: string[] = [];

  async function one(step: (typeof plan)[number]): Promise<void> {
    const { account, kind, message } = step;
    const started = Date.now();
    const signal = AbortSignal.timeout(DEADLINE_MS);
    try {
      await request(
        account.user,
        pool,
        viaProxy(account.proxy, true),
        async (store) => {
          if (kind < 0.6) {
            const page = await store.listMessages(INBOX, { limit: 10, filter: {} });
            const got = page.messages.map((m) => m.subject).sort();
            if (JSON.stringify(got) !== JSON.stringify(account.subjects)) wrong.push(`list ${got}`);
          } else if (kind < 0.85) {
            const got = await store.getMessage(INBOX, account.ids[message]!, buildGetOptions());
            // Newest first: ids[0] is the last seeded subject.
            if (got.subject !== account.subjects[4 - message]) wrong.push(`get ${got.subject}`);
          } else {
            const got = await store.updateFlags(INBOX, account.ids[message]!, {
              add: ['\\Flagged'],
              remove: [],
            });
            if (!got.flags.includes('\\Flagged')) wrong.push(`flags ${got.flags}`);
          }
        },
        signal,
      );
      ok += 1;
    } catch (error) {
      failed += 1;
      const code = error instanceof MailgateError ? error.code : String(error);
      if (!FAULT_ERRORS.has(code)) wrong.push(`error ${code}`);
    } finally {
      slowest = Math.max(slowest, Date.now() - started);
    }
  }

  let next = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (next < plan.length) await one(plan[next++]!);
    }),
  );
  pool.close();

  expect(wrong).toEqual([]);
  expect(ok + failed).toBe(REQUESTS);
  expect(slowest).toBeLessThanOrEqual(DEADLINE_MS + 1_000);
  // About 3 % of commands meet a fault; most requests still succeed.
  expect(ok).toBeGreaterThan(REQUESTS * 0.8);
  for (const account of accounts) expect(account.proxy.peakConnections).toBeLessThanOrEqual(CAP);
  // Reuse did happen: far fewer connections than requests.
  const opened = accounts.reduce((n, a) => n + a.proxy.totalConnections, 0);
  expect(opened).toBeLessThan(REQUESTS / 2);
  console.info(`stress: ${ok} ok, ${failed} failed by faults, ${opened} connections, slowest ${slowest} ms`);
});
