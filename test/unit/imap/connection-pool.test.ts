import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { ImapFlow } from 'imapflow';
import { describe, expect, test } from 'vitest';
import {
  type ConnectionPoolOptions,
  ImapConnectionPool,
  type Lease,
} from '../../../lib/imap/pool/connection-pool.js';
import type { PooledConnection } from '../../../lib/imap/pool/pooled-connection.js';
import type { PipeliningSocket } from '../../../lib/imap/wire/pipelining-socket.js';
import {
  ConnectionWaitTimeoutError,
  UpstreamThrottledError,
  UpstreamTimeoutError,
} from '../../../lib/mail/errors.js';

/**
 * The pool's bookkeeping with stand-in connections: fair sharing between
 * long (downloads, waits) and short requests, a bounded line, honest errors,
 * no closing connection handed out, and an account map that shrinks.
 */

/** The imapflow fields the pool and isClosing read, and a close() that emits 'close'. */
class FakeClient extends EventEmitter {
  usable = true;
  isClosed = false;
  _closePending = false;
  states = { LOGOUT: 'LOGOUT' };
  state = 'AUTHENTICATED';
  close(): void {
    if (this.isClosed) return;
    this.usable = false;
    this.isClosed = true;
    this.emit('close');
  }
}

const ACCOUNT = 'acct';
const never = () => new AbortController().signal;

function pool(overrides: Partial<ConnectionPoolOptions> = {}): ImapConnectionPool {
  return new ImapConnectionPool({
    idleMs: 10_000,
    maxIdlePerAccount: 4,
    maxPerAccount: 4,
    closeGraceMs: 0,
    ...overrides,
  });
}

/** Settles `promise` or reports that it is still pending after a few ticks. */
async function settled<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown } | 'pending'> {
  return Promise.race([
    promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    delay(30).then(() => 'pending' as const),
  ]);
}

/** The socket fields the pool reads: whether it was destroyed or ended by the server. */
interface FakeSocket {
  destroyed: boolean;
  readableEnded: boolean;
}

function connectionOf(client: FakeClient, socket: FakeSocket | null = null): PooledConnection {
  return { client: client as unknown as ImapFlow, socket: socket as unknown as PipeliningSocket | null };
}

/** Releases `lease` with a fresh connection kept. */
function keep(p: ImapConnectionPool, lease: Lease, socket: FakeSocket | null = null): FakeClient {
  const client = new FakeClient();
  p.release(lease, connectionOf(client, socket), true);
  return client;
}

describe('fair sharing', () => {
  test('long requests hold at most maxPerAccount - reservedPerAccount; short ones still get a connection', async () => {
    const p = pool({ maxPerAccount: 4, reservedPerAccount: 2 });
    const long = [
      await p.acquire(ACCOUNT, 'v', never(), 'long'),
      await p.acquire(ACCOUNT, 'v', never(), 'long'),
    ];
    const third = p.acquire(ACCOUNT, 'v', never(), 'long');
    expect(await settled(third)).toBe('pending');
    const short = await settled(p.acquire(ACCOUNT, 'v', never(), 'short'));
    expect(short).toMatchObject({ value: { kind: 'short', connection: null } });
    // A long one finishing lets the waiting long one in.
    p.release(long[0]!, null, false);
    expect(await settled(third)).toMatchObject({ value: { kind: 'long' } });
  });

  test('a short request is not held behind long ones waiting for their share', async () => {
    const p = pool({ maxPerAccount: 3, reservedPerAccount: 1 });
    await p.acquire(ACCOUNT, 'v', never(), 'long');
    await p.acquire(ACCOUNT, 'v', never(), 'long');
    const waitingLong = p.acquire(ACCOUNT, 'v', never(), 'long');
    expect(await settled(waitingLong)).toBe('pending');
    expect(await settled(p.acquire(ACCOUNT, 'v', never(), 'short'))).toMatchObject({
      value: { kind: 'short' },
    });
  });

  test('long requests keep one connection even when the cap leaves nothing to reserve', async () => {
    const p = pool({ maxPerAccount: 1, reservedPerAccount: 2 });
    expect(await settled(p.acquire(ACCOUNT, 'v', never(), 'long'))).toMatchObject({
      value: { kind: 'long' },
    });
  });

  test('waiters are served in order as connections free', async () => {
    const p = pool({ maxPerAccount: 1 });
    const first = await p.acquire(ACCOUNT, 'v', never());
    const order: number[] = [];
    const waiting = [1, 2, 3].map((n) =>
      p.acquire(ACCOUNT, 'v', never()).then((lease) => {
        order.push(n);
        return lease;
      }),
    );
    let lease = first;
    for (let i = 0; i < 3; i += 1) {
      p.release(lease, null, false);
      lease = await waiting[i]!;
    }
    expect(order).toEqual([1, 2, 3]);
  });
});

describe('a saturated account', () => {
  test('one more waiter than maxWaitingPerAccount is refused at once: upstream_throttled with a retry time', async () => {
    const p = pool({ maxPerAccount: 1, maxWaitingPerAccount: 2 });
    await p.acquire(ACCOUNT, 'v', never());
    const waiting = [p.acquire(ACCOUNT, 'v', never()), p.acquire(ACCOUNT, 'v', never())];
    const refused = await settled(p.acquire(ACCOUNT, 'v', never()));
    expect(refused).not.toBe('pending');
    const error = (refused as { error: unknown }).error;
    expect(error).toBeInstanceOf(UpstreamThrottledError);
    expect((error as UpstreamThrottledError).retryAfter).toBeGreaterThan(0);
    for (const w of waiting) expect(await settled(w)).toBe('pending');
  });

  test('a wait that reaches the deadline is ConnectionWaitTimeoutError, not a server timeout', async () => {
    const p = pool({ maxPerAccount: 1 });
    await p.acquire(ACCOUNT, 'v', never());
    const deadline = new AbortController();
    const waiting = p.acquire(ACCOUNT, 'v', deadline.signal);
    deadline.abort(new UpstreamTimeoutError());
    const outcome = await settled(waiting);
    expect(outcome).toMatchObject({ error: expect.any(ConnectionWaitTimeoutError) });
    expect((outcome as { error: ConnectionWaitTimeoutError }).error.code).toBe('upstream_throttled');
  });

  test('a client that leaves while waiting keeps its own reason', async () => {
    const p = pool({ maxPerAccount: 1 });
    await p.acquire(ACCOUNT, 'v', never());
    const gone = new AbortController();
    const waiting = p.acquire(ACCOUNT, 'v', gone.signal);
    const reason = new Error('client gone');
    gone.abort(reason);
    expect(await settled(waiting)).toEqual({ error: reason });
  });
});

describe('kept connections', () => {
  test('one that is closing (a BYE arrived, imapflow not yet unusable) is never handed out', async () => {
    const p = pool();
    const kept = keep(p, await p.acquire(ACCOUNT, 'v', never()));
    kept._closePending = true;
    const lease = await p.acquire(ACCOUNT, 'v', never());
    expect(lease.connection).toBeNull();
    expect(kept.isClosed).toBe(true);
  });

  test('one whose socket the server ended is never handed out', async () => {
    const p = pool();
    const socket = { destroyed: false, readableEnded: false };
    const kept = keep(p, await p.acquire(ACCOUNT, 'v', never()), socket);
    socket.readableEnded = true;
    const lease = await p.acquire(ACCOUNT, 'v', never());
    expect(lease.connection).toBeNull();
    expect(kept.isClosed).toBe(true);
  });

  test('a healthy one is handed out again, with its socket', async () => {
    const p = pool();
    const socket = { destroyed: false, readableEnded: false };
    const kept = keep(p, await p.acquire(ACCOUNT, 'v', never()), socket);
    const lease = await p.acquire(ACCOUNT, 'v', never());
    expect(lease.connection?.client).toBe(kept);
    expect(lease.connection?.socket).toBe(socket);
  });
});

describe('the account map', () => {
  test('forgets an account once nothing is open, kept or awaited', async () => {
    const p = pool({ idleMs: 20 });
    const leases = await Promise.all(['a', 'b', 'c'].map((account) => p.acquire(account, 'v', never())));
    expect(p.trackedAccounts).toBe(3);
    p.release(leases[0]!, null, false);
    p.release(leases[1]!, connectionOf(new FakeClient()), false);
    keep(p, leases[2]!);
    await delay(100);
    expect(p.trackedAccounts).toBe(0);
    expect(p.openConnections('c')).toBe(0);
  });

  test('forgets an account whose only waiter gave up', async () => {
    const p = pool({ maxPerAccount: 1 });
    const held = await p.acquire(ACCOUNT, 'v', never());
    const leaving = new AbortController();
    const waiting = p.acquire(ACCOUNT, 'v', leaving.signal);
    leaving.abort(new Error('gone'));
    await settled(waiting);
    p.release(held, null, false);
    expect(p.trackedAccounts).toBe(0);
  });
});
