import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ImapConnectionPool } from '../../../lib/imap/pool/connection-pool.js';
import { poolOptionsFromEnv } from '../../../lib/imap/pool/pool-config.js';
import type { MailboxRef } from '../../../lib/mail/types.js';
import type { FaultProxy } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { buildMessage, createImapUser } from '../imap/imap-test-kit.js';
import { request, tlsProxy, viaProxy } from './reuse-kit.js';

/**
 * No connection churn with the default reuse settings: callers of one
 * account running at once, request after request, log in at most once per
 * slot of the per-account cap and never again once warm. Counted by the
 * proxy (TCP connections, each one LOGIN) and by the pool's own counters,
 * never by timing: each round holds every request until all of them have
 * their connection, so the whole burst is released to the pool at once.
 */
const INBOX: MailboxRef = { kind: 'path', path: 'INBOX' };
let user: MailUser;
let proxy: FaultProxy;
let pool: ImapConnectionPool;
let cap: number;

beforeAll(async () => {
  user = await createImapUser('churn');
  await user.seed(
    'INBOX',
    Array.from({ length: 5 }, (_, i) => ({ raw: buildMessage({ subject: `churn ${i}` }) })),
  );
  proxy = await tlsProxy(user);
  const options = poolOptionsFromEnv({}, 'on');
  if (!options) throw new Error('reuse is on by default for the local server');
  cap = options.maxPerAccount;
  pool = new ImapConnectionPool(options);
});

afterAll(async () => {
  pool?.close();
  await proxy?.close();
});

/** Resolves once `count` callers have arrived. */
function barrier(count: number): () => Promise<void> {
  let arrived = 0;
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return () => {
    arrived += 1;
    if (arrived === count) open();
    return opened;
  };
}

/** One list request on the pool; `hold` runs while it still has its connection. */
async function listOnce(hold: () => Promise<void> = async () => undefined): Promise<number> {
  return request(user, pool, viaProxy(proxy, false), async (store) => {
    const page = await store.listMessages(INBOX, { limit: 5, filter: {} });
    await hold();
    return page.messages.length;
  });
}

describe('with the default reuse settings', () => {
  test('bursts of as many requests as the cap log in once per slot, then never again', async () => {
    for (let round = 0; round < 4; round++) {
      const allHoldTheirs = barrier(cap);
      const counts = await Promise.all(Array.from({ length: cap }, () => listOnce(allHoldTheirs)));
      expect(counts).toEqual(Array(cap).fill(5));
      // Warm after the first burst: every later one runs on the kept connections.
      expect(proxy.totalConnections).toBe(cap);
      expect(pool.counters.fresh).toBe(cap);
    }
    expect(pool.counters.retired).toBe(0);
  });

  test('10 callers, 10 requests each: no login beyond the cap, none after warm-up', async () => {
    const before = { connections: proxy.totalConnections, fresh: pool.counters.fresh };
    const callers = 10;
    const counts = await Promise.all(
      Array.from({ length: callers }, async () => {
        const seen: number[] = [];
        for (let i = 0; i < 10; i++) seen.push(await listOnce());
        return seen;
      }),
    );
    expect(counts.flat()).toEqual(Array(callers * 10).fill(5));
    expect(proxy.totalConnections).toBe(before.connections);
    expect(pool.counters.fresh).toBe(before.fresh);
    expect(proxy.peakConnections).toBeLessThanOrEqual(cap);
  });
});
