import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ImapConnectionPool } from '../../../lib/imap/pool/connection-pool.js';
import { UpstreamAuthError } from '../../../lib/mail/errors.js';
import type { MailboxRef } from '../../../lib/mail/types.js';
import type { FaultProxy } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { buildMessage, createImapUser } from '../imap/imap-test-kit.js';
import { buildPool, lastConnection, plainProxy, request, tlsProxy, viaProxy } from './reuse-kit.js';

/**
 * A connection kept by the pool serves the next request for the same
 * account without a new TCP/TLS/LOGIN; it is never used with other
 * credentials, and one that died while kept is replaced for reads.
 */
const INBOX: MailboxRef = { kind: 'path', path: 'INBOX' };
const SUBJECTS = Array.from({ length: 6 }, (_, i) => `warm ${i}`);
let user: MailUser;
let ids: string[];

beforeAll(async () => {
  user = await createImapUser('reuse');
  await user.seed(
    'INBOX',
    SUBJECTS.map((subject) => ({ raw: buildMessage({ subject }) })),
  );
  ids = await request(user, undefined, {}, async (store) =>
    (await store.listMessages(INBOX, { limit: 10, filter: {} })).messages.map((m) => m.id),
  );
});

const listSubjects = (store: Parameters<Parameters<typeof request>[3]>[0]) =>
  store
    .listMessages(INBOX, { limit: 10, filter: {} })
    .then((page) => page.messages.map((m) => m.subject).sort());

describe('a warm connection', () => {
  let proxy: FaultProxy;
  let pool: ImapConnectionPool;
  beforeAll(async () => {
    proxy = await tlsProxy(user);
    pool = buildPool();
  });
  afterAll(async () => {
    pool.close();
    await proxy.close();
  });

  test('serves the second request in at most 2 round trips (EXAMINE, FETCH) and opens no connection', async () => {
    const first = await request(user, pool, viaProxy(proxy, false), listSubjects);
    expect(first).toEqual([...SUBJECTS].sort());
    proxy.reset();
    const second = await request(user, pool, viaProxy(proxy, false), listSubjects);
    expect(second).toEqual([...SUBJECTS].sort());
    expect(proxy.totalConnections).toBe(0);
    expect(proxy.flights.total).toBeLessThanOrEqual(2);
    expect(proxy.connections).toBe(1);
  });

  test('is never used with other credentials: a wrong password opens its own connection and fails', async () => {
    await request(user, pool, viaProxy(proxy, false), listSubjects);
    proxy.reset();
    const wrong = request(
      user,
      pool,
      { ...viaProxy(proxy, false), password: 'not-the-password' },
      listSubjects,
    );
    await expect(wrong).rejects.toBeInstanceOf(UpstreamAuthError);
    expect(proxy.totalConnections).toBe(1);
  });
});

describe('a kept connection that died', () => {
  let proxy: FaultProxy;
  let pool: ImapConnectionPool;
  beforeAll(async () => {
    proxy = await plainProxy(user);
  });
  afterAll(async () => {
    pool?.close();
    await proxy.close();
  });

  /**
   * Makes the kept connection swallow and cut its next command; new connections work.
   * After `warm` 'list' it has INBOX selected; after 'mailboxes' nothing.
   */
  async function killKept(warm: 'list' | 'mailboxes' = 'list'): Promise<void> {
    pool = buildPool();
    await request(
      user,
      pool,
      viaProxy(proxy, true),
      (store): Promise<unknown> =>
        warm === 'list' ? listSubjects(store) : store.listMailboxes({ counts: false }),
    );
    const kept = lastConnection(proxy);
    proxy.setFaults({
      cutBeforeForwarding: true,
      onCommand: (_line, index) => (index === kept ? 'cut' : 'forward'),
    });
    proxy.reset();
  }

  test('a read goes to a fresh connection transparently', async () => {
    await killKept();
    const subjects = await request(user, pool, viaProxy(proxy, true), listSubjects);
    expect(subjects).toEqual([...SUBJECTS].sort());
    expect(proxy.totalConnections).toBe(1);
    pool.close();
  });

  test('a flag update whose SELECT got no answer is sent once, on a fresh connection', async () => {
    await killKept();
    const updated = await request(user, pool, viaProxy(proxy, true), (store) =>
      store.updateFlags(INBOX, ids[1]!, { add: ['\\Flagged'], remove: [] }),
    );
    expect(updated.flags).toContain('\\Flagged');
    expect(proxy.totalConnections).toBe(1);
    expect(proxy.commands.filter((c) => / UID STORE /.test(c.line))).toHaveLength(1);
    pool.close();
  });

  test('a write cut after it was sent is upstream_unavailable and never sent again', async () => {
    pool = buildPool();
    await request(user, pool, viaProxy(proxy, true), listSubjects);
    const kept = lastConnection(proxy);
    proxy.setFaults({
      onCommand: (line, index) => (index === kept && / UID STORE /.test(line) ? 'cut' : 'forward'),
    });
    proxy.reset();
    const update = request(user, pool, viaProxy(proxy, true), (store) =>
      store.updateFlags(INBOX, ids[2]!, { add: ['\\Answered'], remove: [] }),
    );
    await expect(update).rejects.toMatchObject({ code: 'upstream_unavailable' });
    expect(proxy.totalConnections).toBe(0);
    expect(proxy.commands.filter((c) => / UID STORE /.test(c.line))).toHaveLength(1);
    pool.close();
  });

  test('a write whose first command changes the server (CREATE) is not retried', async () => {
    await killKept('mailboxes');
    const create = request(user, pool, viaProxy(proxy, true), (store) => store.createMailbox('NeverTwice'));
    await expect(create).rejects.toMatchObject({ code: 'upstream_unavailable' });
    expect(proxy.totalConnections).toBe(0);
    expect(proxy.commands.filter((c) => / CREATE /.test(c.line))).toHaveLength(1);
    pool.close();
  });

  test('a CREATE is sent once, on a fresh connection, when the kept one died on the UNSELECT before it', async () => {
    // The kept connection still has INBOX selected: the old selection is left before a write (UNSELECT).
    await killKept('list');
    await request(user, pool, viaProxy(proxy, true), (store) => store.createMailbox('OnceFresh'));
    expect(proxy.totalConnections).toBe(1);
    // The fresh connection's LOGIN, then the CREATE (with its SUBSCRIBE and LIST) once.
    expect(proxy.commands.map((c) => c.line.split(' ')[1])).toEqual([
      'UNSELECT',
      'LOGIN',
      'CREATE',
      'SUBSCRIBE',
      'LIST',
    ]);
    pool.close();
  });
});

describe('the per-account cap', () => {
  test('50 concurrent requests never hold more than 4 connections at the server side', async () => {
    const proxy = await tlsProxy(user);
    const pool = buildPool({ maxPerAccount: 4 });
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => request(user, pool, viaProxy(proxy, false), listSubjects)),
      );
      for (const subjects of results) expect(subjects).toEqual([...SUBJECTS].sort());
      expect(proxy.peakConnections).toBeLessThanOrEqual(4);
      expect(proxy.totalConnections).toBeLessThanOrEqual(4);
    } finally {
      pool.close();
      await proxy.close();
    }
  });
});
