import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { AccountDocument } from '../../../lib/credentials/account.js';
import { ImapMailStore } from '../../../lib/imap/imap-mail-store.js';
import type { ImapConnectionPool } from '../../../lib/imap/pool/connection-pool.js';
import { WINDOW_BYTES } from '../../../lib/imap/read/section-stream.js';
import { type DownloadIdleOptions, DownloadStalledError } from '../../../lib/mail/download-idle.js';
import { UpstreamTimeoutError } from '../../../lib/mail/errors.js';
import { silentLogger } from '../../../lib/mail/logger.js';
import type { Download, MailboxRef } from '../../../lib/mail/types.js';
import type { FaultProxy } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { buildAccount, buildMessage, createImapUser } from '../imap/imap-test-kit.js';
import { buildPool, plainProxy, request, viaProxy } from './reuse-kit.js';

/**
 * Slow downloads cannot starve an account: they hold at most the
 * connections the pool lets long requests have, and one that makes no
 * progress (a silent or trickling server, a client that stopped reading)
 * is ended and its connection freed.
 */
const INBOX: MailboxRef = { kind: 'path', path: 'INBOX' };
/** The FETCH of any window after the first (BODY.PEEK[]<1048576.…>). */
const LATER_WINDOW = /BODY\.PEEK\[\]<[1-9]\d*\./;
let user: MailUser;
let bigId: string;

beforeAll(async () => {
  user = await createImapUser('fair');
  const body = `${'x'.repeat(998)}\r\n`.repeat(Math.ceil((WINDOW_BYTES * 1.5) / 1000));
  await user.seed('INBOX', [
    { raw: buildMessage({ subject: 'big', body }) },
    { raw: buildMessage({ subject: 'small' }) },
  ]);
  const page = await request(user, undefined, {}, (store) =>
    store.listMessages(INBOX, { limit: 10, filter: {} }),
  );
  bigId = page.messages.find((m) => m.subject === 'big')!.id;
});

/** A store on `pool` through `proxy`, with the given download limits. */
function openStore(
  pool: ImapConnectionPool,
  proxy: FaultProxy,
  signal: AbortSignal,
  downloadIdle: Partial<DownloadIdleOptions>,
): ImapMailStore {
  const account = buildAccount(user, viaProxy(proxy, true) as Partial<AccountDocument>);
  return new ImapMailStore(account, { signal, logger: silentLogger }, pool, { downloadIdle });
}

/** Reads the first window of a download, then asks for more: `rest` is the next chunk. */
async function readFirstWindow(download: Download): Promise<{ rest: Promise<IteratorResult<Uint8Array>> }> {
  const chunks = download.body[Symbol.asyncIterator]();
  let read = 0;
  while (read < WINDOW_BYTES) {
    const next = await chunks.next();
    if (next.done) throw new Error('the download ended within its first window');
    read += next.value.length;
  }
  const rest = chunks.next();
  rest.catch(() => undefined);
  return { rest };
}

/**
 * Reads a download until it ends; resolves with the error that ended it,
 * or null. The rest of a download after its first window is one streamed
 * FETCH, so a stall shows after whatever of it had arrived already.
 */
async function failureOf(download: Download): Promise<unknown> {
  try {
    for await (const _chunk of download.body);
    return null;
  } catch (error) {
    return error;
  }
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const giveUp = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > giveUp) throw new Error('condition not met in time');
    await delay(10);
  }
}

/** The outcome of `promise`, or 'pending' after `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<{ value: T } | { error: unknown } | 'pending'> {
  return Promise.race([
    promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    delay(ms).then(() => 'pending' as const),
  ]);
}

describe('stalled downloads and short requests on one account', () => {
  let proxy: FaultProxy;
  let pool: ImapConnectionPool;
  const stores: ImapMailStore[] = [];
  beforeAll(async () => {
    proxy = await plainProxy(user);
    pool = buildPool({ maxPerAccount: 8 });
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    pool.close();
    await proxy.close();
  });

  test('while 8 downloads stall, 6 hold connections, a list answers within 2 s, the 2 waiting end 503 at their deadline', async () => {
    proxy.setFaults({ onCommand: (line) => (LATER_WINDOW.test(line) ? 'stall' : 'forward') });
    const deadlines = Array.from({ length: 8 }, () => new AbortController());
    const downloads = deadlines.map(async (deadline) => {
      const store = openStore(pool, proxy, deadline.signal, { idleMs: 60_000 });
      stores.push(store);
      return readFirstWindow(await store.openRaw(null, bigId));
    });
    for (const download of downloads) download.catch(() => undefined);
    await until(() => proxy.commands.filter((c) => LATER_WINDOW.test(c.line)).length === 6);

    const listed = await request(
      user,
      pool,
      viaProxy(proxy, true),
      (store) => store.listMessages(INBOX, { limit: 10, filter: {} }),
      AbortSignal.timeout(2_000),
    );
    expect(listed.messages.map((m) => m.subject).sort()).toEqual(['big', 'small']);

    // The two downloads still waiting for a connection reach their deadline: 503, not a server timeout.
    for (const deadline of deadlines) deadline.abort(new UpstreamTimeoutError());
    const outcomes = await Promise.allSettled(downloads);
    const waited = outcomes.filter(
      (o) => o.status === 'rejected' && (o.reason as { code?: string }).code === 'upstream_throttled',
    );
    expect(waited).toHaveLength(2);
    expect(proxy.peakConnections).toBeLessThanOrEqual(8);
  });
});

describe('a download that makes no progress', () => {
  let proxy: FaultProxy;
  let pool: ImapConnectionPool;
  beforeAll(async () => {
    proxy = await plainProxy(user);
  });
  afterEach(async () => {
    pool?.close();
    proxy.setFaults({});
    await until(() => proxy.connections === 0);
  });
  afterAll(async () => {
    await proxy.close();
  });

  const limits = { idleMs: 300, minBytes: 4096 };

  // The rest of the download travels in the first window's flight: the server falls silent (or
  // trickles) part-way through it, after the first window and some of the rest have arrived.
  const AFTER_FIRST_WINDOW = WINDOW_BYTES + 64 * 1024;

  test('a silent server: ended after idleMs, its connection closed', async () => {
    pool = buildPool();
    proxy.setFaults({ stall: { afterBytesToClient: AFTER_FIRST_WINDOW } });
    const store = openStore(pool, proxy, new AbortController().signal, limits);
    const outcome = await within(failureOf(await store.openRaw(null, bigId)), 5_000);
    expect(outcome).toMatchObject({ value: expect.any(DownloadStalledError) });
    expect((outcome as { value: DownloadStalledError }).value.side).toBe('server');
    await until(() => proxy.connections === 0, 5_000);
  });

  test('a server trickling one byte every 20 ms: ended after idleMs, its connection closed', async () => {
    pool = buildPool();
    let forwarded = 0;
    const trickleLater = (bytes: Buffer) => {
      forwarded += bytes.length;
      if (forwarded > AFTER_FIRST_WINDOW)
        proxy.setFaults({ trickle: { bytesPerTick: 1, intervalMs: 20 }, transformToClient: trickleLater });
      return bytes;
    };
    proxy.setFaults({ transformToClient: trickleLater });
    const store = openStore(pool, proxy, new AbortController().signal, limits);
    const outcome = await within(failureOf(await store.openRaw(null, bigId)), 5_000);
    expect(outcome).toMatchObject({ value: expect.any(DownloadStalledError) });
    expect((outcome as { value: DownloadStalledError }).value.side).toBe('server');
    await until(() => proxy.connections === 0, 5_000);
  });

  test('a client that stops reading: its connection is closed (never kept mid-literal), and the next read fails', async () => {
    pool = buildPool();
    const store = openStore(pool, proxy, new AbortController().signal, limits);
    const chunks = (await store.openRaw(null, bigId)).body[Symbol.asyncIterator]();
    await chunks.next();
    proxy.reset();
    await delay(limits.idleMs * 3);
    // The rest's literal was still on the wire: the connection was closed, not kept, so the next request opens one.
    expect(proxy.connections).toBe(0);
    await request(user, pool, viaProxy(proxy, true), (s) => s.listMessages(INBOX, { limit: 1, filter: {} }));
    expect(proxy.totalConnections).toBe(1);
    const next = await within(chunks.next(), 5_000);
    expect(next).toMatchObject({ error: expect.any(DownloadStalledError) });
    expect((next as { error: DownloadStalledError }).error.side).toBe('client');
  });
});
