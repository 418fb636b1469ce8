import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeSyncState } from '../../../lib/imap/sync/index.js';
import { type FaultProxy, startFaultProxy, withoutCapability } from '../../support/fault-proxy.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';
import { buildMessage, connectOther, openStore, pathRef, withStore } from './sync-test-kit.js';

let user: MailUser;
let other: ImapFlow;
let proxy: FaultProxy;
let noIdle: FaultProxy;

beforeAll(async () => {
  user = await createMailUser('sync-wait');
  other = await connectOther(user);
  const target = { host: user.server.host, port: user.server.ports.imap };
  proxy = await startFaultProxy({ target, protocol: 'imap' });
  noIdle = await startFaultProxy({ target, protocol: 'imap', transformToClient: withoutCapability('IDLE') });
});

afterAll(async () => {
  await other?.logout();
  await Promise.all([proxy?.close(), noIdle?.close()]);
});

async function freshMailbox(name: string): Promise<string> {
  await other.mailboxCreate(name);
  await other.append(name, buildMessage('already there'));
  const status = await withStore(user, (store) => store.getMailbox(pathRef(name)));
  return status.state!;
}

/** Resolves once the proxy has seen a client line matching `pattern` (or fails after 5 s). */
async function untilCommand(via: FaultProxy, pattern: RegExp): Promise<void> {
  const give = Date.now() + 5_000;
  while (!via.commands.some((c) => pattern.test(c.line))) {
    if (Date.now() > give) throw new Error(`no ${pattern} within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves once no connection is open through `via`, or rejects after `ms`. */
function allClosedWithin(via: FaultProxy, ms: number): Promise<void> {
  return Promise.race([
    via.whenIdle(),
    new Promise<void>((_, reject) =>
      setTimeout(() => reject(new Error(`${via.connections} connection(s) still open`)), ms),
    ),
  ]);
}

describe('wait', () => {
  test('returns soon after another session appends, with a new state that changes reports from', async () => {
    const since = await freshMailbox('Waiting');
    proxy.reset();
    const store = openStore(user, { via: proxy });
    try {
      const waiting = store.wait(pathRef('Waiting'), since, 15);
      await untilCommand(proxy, / IDLE$/);
      await other.append('Waiting', buildMessage('wake up'));
      const appendedAt = Date.now();
      const result = await waiting;
      expect(Date.now() - appendedAt).toBeLessThan(2_000);
      expect(result.changed).toBe(true);
      expect(decodeSyncState(result.state).uidNext).toBeGreaterThan(decodeSyncState(since).uidNext);
      // The session is still usable: IDLE was ended, not abandoned.
      const changes = await store.changes(pathRef('Waiting'), since, { maxChanges: 10 });
      expect(changes.created.map((m) => m.subject)).toEqual(['wake up']);
    } finally {
      await store.close();
    }
    await allClosedWithin(proxy, 2_000);
    expect(proxy.totalConnections).toBe(1);
  });

  test('returns changed: false after the timeout when nothing happens, and leaves no socket open', async () => {
    const since = await freshMailbox('Quiet');
    proxy.reset();
    const started = Date.now();
    const result = await withStore(user, (store) => store.wait(pathRef('Quiet'), since, 2), { via: proxy });
    const elapsed = Date.now() - started;
    expect(result.changed).toBe(false);
    expect(decodeSyncState(result.state)).toEqual(decodeSyncState(since));
    expect(elapsed).toBeGreaterThanOrEqual(1_900);
    expect(elapsed).toBeLessThan(6_000);
    expect(proxy.commands.some((c) => c.line === 'DONE')).toBe(true);
    await allClosedWithin(proxy, 2_000);
  });

  test('answers at once when the mailbox already changed since the state', async () => {
    const since = await freshMailbox('Stale');
    await other.mailboxOpen('Stale');
    await other.messageFlagsAdd('1:*', ['\\Seen']);
    const started = Date.now();
    const result = await withStore(user, (store) => store.wait(pathRef('Stale'), since, 20));
    expect(result.changed).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(decodeSyncState(result.state).modseq).toBeGreaterThan(decodeSyncState(since).modseq);
  });

  test('an abort in the middle of IDLE ends the wait and closes the connection promptly', async () => {
    const since = await freshMailbox('Aborted');
    proxy.reset();
    const controller = new AbortController();
    const store = openStore(user, { via: proxy, signal: controller.signal });
    const waiting = store.wait(pathRef('Aborted'), since, 20);
    waiting.catch(() => undefined);
    await untilCommand(proxy, / IDLE$/);
    const abortedAt = Date.now();
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'upstream_unavailable' });
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    await allClosedWithin(proxy, 1_000);
    await store.close();
  });

  test('without IDLE it polls with NOOP and still notices an append', async () => {
    const since = await freshMailbox('Polled');
    noIdle.reset();
    const result = await withStore(
      user,
      async (store) => {
        const waiting = store.wait(pathRef('Polled'), since, 15);
        await untilCommand(noIdle, / NOOP$/);
        await other.append('Polled', buildMessage('found by polling'));
        const appendedAt = Date.now();
        const answer = await waiting;
        expect(Date.now() - appendedAt).toBeLessThan(3_000);
        return answer;
      },
      { via: noIdle },
    );
    expect(result.changed).toBe(true);
    expect(noIdle.commands.some((c) => / IDLE$/.test(c.line))).toBe(false);
    await allClosedWithin(noIdle, 2_000);
  });
});
