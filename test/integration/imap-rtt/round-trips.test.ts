import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Account } from '../../../lib/credentials/account.js';
import { ImapMailStore } from '../../../lib/imap/imap-mail-store.js';
import { ImapConnectionPool } from '../../../lib/imap/pool/connection-pool.js';
import { StaleMessageIdError, UpstreamAuthError } from '../../../lib/mail/errors.js';
import { encodeImapMessageId, parseImapMessageId } from '../../../lib/mail/ids.js';
import { silentLogger } from '../../../lib/mail/logger.js';
import type { MailboxRef, MessageScope } from '../../../lib/mail/types.js';
import { type FaultProxy, startFaultProxy, transformLines } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { oauthIdp } from '../../support/oauth-account.js';
import {
  buildAccount,
  buildGetOptions,
  buildMessage,
  createImapUser,
  openStore,
  roundTripsThrough,
} from '../imap/imap-test-kit.js';

/**
 * Round trips of a cold request on implicit TLS, counted as request flights
 * by a proxy (independent of timing): the TLS 1.3 handshake takes two
 * (ClientHello, Finished), then LOGIN travels with the first SELECT/EXAMINE
 * and the first command after it that needs nothing the EXAMINE answers (a
 * get's UID FETCH, a filtered or later page's UID SEARCH, a UID SORT, a UID
 * THREAD). Every read is at most 4; the exceptions are named with their reason.
 * The budgets are the performance goal; a change that adds a round trip fails.
 *
 * SORT, THREAD and ESEARCH are announced only after LOGIN, so a cold
 * connection sends those commands ahead only to a server this process has
 * logged in to before (known-capabilities.ts): the first request below teaches it.
 */
const INBOX: MailboxRef = { kind: 'path', path: 'INBOX' };
/** The account-level routes give no mailbox (the id names it); the nested aliases give one. */
const SCOPES: Array<[name: string, scope: MessageScope]> = [
  ['the id alone', null],
  ['a nested alias', INBOX],
];
let user: MailUser;
let tlsProxy: FaultProxy;
let ids: string[];
/** Over 140 bytes of UTF-8: ids name it by a hash, resolved with one LIST. */
const LONG_PATH = `Projekte/${'長い名前の受信箱'.repeat(6)}`;
let longPathId: string;

beforeAll(async () => {
  user = await createImapUser('rtt');
  await user.seed('RttMoved', []);
  await user.seed(
    'INBOX',
    Array.from({ length: 12 }, (_, i) => ({ raw: buildMessage({ subject: `rtt ${i}` }) })),
  );
  await user.seed(LONG_PATH, [{ raw: buildMessage({ subject: 'far away' }) }]);
  tlsProxy = await startFaultProxy({ target: { host: user.server.host, port: user.server.ports.imaps } });
  const store = openStore(user);
  ids = (
    await store.listMessages(INBOX, { limit: 12, filter: {} }).finally(() => store.close())
  ).messages.map((m) => m.id);
  // Through the proxy once: its port is the server these tests' cold connections know.
  await roundTripsThrough(tlsProxy, user, (store) => store.listMailboxes({ counts: false }));
  const longStore = openStore(user);
  longPathId = (
    await longStore
      .listMessages({ kind: 'path', path: LONG_PATH }, { limit: 1, filter: {} })
      .finally(() => longStore.close())
  ).messages[0]!.id;
});

afterAll(async () => {
  await tlsProxy?.close();
});

const roundTrips = (work: (store: ImapMailStore) => Promise<unknown>) =>
  roundTripsThrough(tlsProxy, user, work);

describe('round trips of a cold request (implicit TLS)', () => {
  test('list page: at most 4 (TLS, LOGIN + EXAMINE, FETCH)', async () => {
    let count = 0;
    const trips = await roundTrips(async (store) => {
      count = (await store.listMessages(INBOX, { limit: 10, filter: {} })).messages.length;
    });
    expect(count).toBe(10);
    expect(trips).toBeLessThanOrEqual(4);
  });

  test('later page: at most 4 (TLS, LOGIN + EXAMINE + UID SEARCH, FETCH)', async () => {
    const first = openStore(user);
    const cursor = (await first.listMessages(INBOX, { limit: 5, filter: {} }).finally(() => first.close()))
      .nextCursor!;
    let count = 0;
    const trips = await roundTrips(async (store) => {
      count = (await store.listMessages(INBOX, { limit: 5, filter: {}, cursor })).messages.length;
    });
    expect(count).toBe(5);
    expect(trips).toBeLessThanOrEqual(4);
  });

  test('filtered page: at most 4 (TLS, LOGIN + EXAMINE + UID SEARCH, UID FETCH)', async () => {
    let subjects: Array<string | null> = [];
    const trips = await roundTrips(async (store) => {
      subjects = (await store.listMessages(INBOX, { limit: 10, filter: { subject: 'rtt 1' } })).messages.map(
        (m) => m.subject,
      );
    });
    expect(subjects.sort()).toEqual(['rtt 1', 'rtt 10', 'rtt 11']);
    expect(trips).toBeLessThanOrEqual(4);
  });

  test.each([
    ['by date', {}],
    ['by date, filtered', { subject: 'rtt' }],
  ])('sorted page %s: at most 4 (TLS, LOGIN + EXAMINE + UID SORT, UID FETCH)', async (_name, filter) => {
    let count = 0;
    const trips = await roundTrips(async (store) => {
      count = (await store.listMessages(INBOX, { limit: 5, filter, sort: { key: 'date', order: 'desc' } }))
        .messages.length;
    });
    expect(count).toBe(5);
    expect(trips).toBeLessThanOrEqual(4);
  });

  test.each(SCOPES)(
    'get message by %s: at most 4 (TLS, LOGIN + EXAMINE + summary FETCH, text FETCH)',
    async (_name, scope) => {
      let subject: string | null = null;
      const trips = await roundTrips(async (store) => {
        subject = (await store.getMessage(scope, ids[3]!, buildGetOptions())).subject;
      });
      expect(subject).toMatch(/^rtt /);
      expect(trips).toBeLessThanOrEqual(4);
    },
  );

  test('get message with fields=: at most 3 (TLS, LOGIN + EXAMINE + FETCH of those fields)', async () => {
    let subject: string | null = null;
    const trips = await roundTrips(async (store) => {
      subject = (
        await store.getMessage(
          null,
          ids[2]!,
          buildGetOptions({ body: 'none', fields: new Set(['id', 'subject']) }),
        )
      ).subject;
    });
    expect(subject).toMatch(/^rtt /);
    expect(trips).toBeLessThanOrEqual(3);
  });

  test('conditional get (the flags a 304 is decided on): at most 3 (TLS, LOGIN + EXAMINE + UID FETCH FLAGS)', async () => {
    let flags: string[] | null = null;
    const trips = await roundTrips(async (store) => {
      flags = (
        await store.getMessage(
          null,
          ids[2]!,
          buildGetOptions({ body: 'none', fields: new Set(['id', 'flags']) }),
        )
      ).flags;
    });
    expect(flags).toEqual(expect.any(Array));
    expect(trips).toBeLessThanOrEqual(3);
  });

  test.each([
    ['without counts', false],
    ['with counts (LIST-STATUS)', true],
  ])('list mailboxes %s: at most 4 (TLS, LOGIN + LIST)', async (_name, counts) => {
    let paths: string[] = [];
    const trips = await roundTrips(async (store) => {
      paths = (await store.listMailboxes({ counts })).map((m) => m.path);
    });
    expect(paths).toContain('INBOX');
    expect(trips).toBeLessThanOrEqual(4);
  });

  test.each([
    ['by path', INBOX],
    ['by the inbox role', { kind: 'role', role: 'inbox' } as MailboxRef],
  ])('get mailbox %s: at most 4 (TLS, LOGIN, LIST … RETURN (STATUS))', async (_name, ref) => {
    let total = 0;
    const trips = await roundTrips(async (store) => {
      total = (await store.getMailbox(ref)).total;
    });
    expect(total).toBeGreaterThanOrEqual(12);
    expect(trips).toBeLessThanOrEqual(4);
  });

  test('get mailbox by another role: at most 5 (TLS, LOGIN, LIST to find the role, STATUS of what it found)', async () => {
    // The STATUS names the mailbox the LIST answers: it cannot travel before that answer.
    const trips = await roundTrips(async (store) => {
      await store.getMailbox({ kind: 'role', role: 'sent' }).catch(() => undefined);
    });
    expect(trips).toBeLessThanOrEqual(5);
  });

  test('threads, and one thread: at most 4 each (TLS, LOGIN + EXAMINE + UID THREAD, UID FETCH)', async () => {
    let threadId = '';
    const listTrips = await roundTrips(async (store) => {
      threadId = (await store.listThreads(INBOX, { limit: 5 })).threads[0]!.threadId;
    });
    let count = 0;
    const oneTrips = await roundTrips(async (store) => {
      count = (await store.getThread(INBOX, threadId)).messages.length;
    });
    expect(count).toBeGreaterThan(0);
    expect(listTrips).toBeLessThanOrEqual(4);
    expect(oneTrips).toBeLessThanOrEqual(4);
  });

  test('changes: at most 5 (TLS, LOGIN, ENABLE QRESYNC, EXAMINE … (QRESYNC …))', async () => {
    const probe = openStore(user);
    const state = (await probe.getMailbox(INBOX).finally(() => probe.close())).state!;
    let removedComplete = false;
    const trips = await roundTrips(async (store) => {
      removedComplete = (await store.changes(INBOX, state, { maxChanges: 100 })).removedComplete;
    });
    expect(removedComplete).toBe(true);
    // The QRESYNC EXAMINE is valid only once ENABLE QRESYNC was answered (RFC 7162 §3.2.3).
    expect(trips).toBeLessThanOrEqual(5);
  });

  test.each(SCOPES)('flag update by %s: at most 4 (TLS, LOGIN + SELECT, UID STORE)', async (_name, scope) => {
    let flags: string[] = [];
    const trips = await roundTrips(async (store) => {
      flags = (await store.updateFlags(scope, ids[scope ? 6 : 5]!, { add: ['\\Flagged'], remove: [] })).flags;
    });
    expect(flags).toContain('\\Flagged');
    expect(trips).toBeLessThanOrEqual(4);
  });

  test('get message by the id alone in a mailbox whose path is over 140 bytes: at most 5 (LIST with LOGIN, then EXAMINE + FETCH)', async () => {
    expect(Buffer.byteLength(LONG_PATH)).toBeGreaterThan(140);
    let subject: string | null = null;
    const trips = await roundTrips(async (store) => {
      subject = (await store.getMessage(null, longPathId, buildGetOptions())).subject;
    });
    expect(subject).toBe('far away');
    // The LIST that finds the path travels with LOGIN; the EXAMINE (with the FETCH) waits for its answer.
    expect(trips).toBeLessThanOrEqual(5);
  });

  test('move by the id alone: at most 5 (TLS, LOGIN + STATUS + SELECT, UID MOVE)', async () => {
    let moved: { id: string; mailbox: string } | null = null;
    const trips = await roundTrips(async (store) => {
      moved = await store.moveMessage(null, ids[7]!, { kind: 'path', path: 'RttMoved' });
    });
    expect(moved).toMatchObject({ mailbox: 'RttMoved' });
    const check = openStore(user);
    const there = await check
      .listMessages({ kind: 'path', path: 'RttMoved' }, { limit: 5, filter: {} })
      .finally(() => check.close());
    expect(there.messages.map((m) => m.id)).toEqual([moved!.id]);
    expect(trips).toBeLessThanOrEqual(5);
  });
});

describe("a FETCH sent ahead for an id whose UIDVALIDITY is not the mailbox's", () => {
  test('is never used: the get is stale_message_id, and the connection is closed, not kept', async () => {
    const plain = await startFaultProxy({
      target: { host: user.server.host, port: user.server.ports.imap },
      protocol: 'imap',
    });
    const pool = new ImapConnectionPool({ idleMs: 30_000, maxIdlePerAccount: 2, maxPerAccount: 2 });
    try {
      const { key } = parseImapMessageId(ids[3]!);
      const stale = encodeImapMessageId('INBOX', {
        uidValidity: String(Number(key.uidValidity) + 1),
        uid: key.uid,
      });
      const account = buildAccount(user, { port: plain.port, tls: 'none', allowPlaintext: true });
      const store = new ImapMailStore(
        account,
        { signal: new AbortController().signal, logger: silentLogger },
        pool,
      );
      const reading = store.getMessage(null, stale, buildGetOptions()).finally(() => store.close());
      await expect(reading).rejects.toBeInstanceOf(StaleMessageIdError);
      await plain.whenIdle();
      const sent = plain.commands.map((c) => c.line.split(' ').slice(1).join(' '));
      // The FETCH left with LOGIN and the EXAMINE; nothing was sent after the UIDVALIDITY check.
      expect(sent.map((line) => line.split(' ')[0])).toEqual(['LOGIN', 'EXAMINE', 'UID']);
      expect(sent[2]).toMatch(new RegExp(`^UID FETCH ${key.uid} \\(`));
      expect(plain.flights.total).toBe(1);
      // Its answer was never claimed: the connection is not kept for another request.
      expect(pool.counters).toEqual({ leases: 1, fresh: 1, retired: 1 });
    } finally {
      pool.close();
      await plain.close();
    }
  });
});

describe('a refused LOGIN in a pipeline', () => {
  test('is upstream_auth_failed, and the pipelined EXAMINE is refused by the server, never run', async () => {
    const fromServer: string[] = [];
    const proxy = await startFaultProxy({
      target: { host: user.server.host, port: user.server.ports.imap },
      protocol: 'imap',
      transformToClient: transformLines((line) => {
        fromServer.push(line);
        return line;
      }),
    });
    try {
      const store = openStore(user, {
        account: { port: proxy.port, tls: 'none', allowPlaintext: true, password: 'not-the-password' },
      });
      const listing = store.listMessages(INBOX, { limit: 10, filter: {} }).finally(() => store.close());
      await expect(listing).rejects.toBeInstanceOf(UpstreamAuthError);
      await expect(listing).rejects.toMatchObject({ code: 'upstream_auth_failed' });
      await proxy.whenIdle();
      const sent = proxy.commands.map((c) => c.line.split(' ')[1]);
      // LOGIN and EXAMINE left in one flight; nothing was sent after the refusal.
      expect(sent).toEqual(['LOGIN', 'EXAMINE']);
      expect(proxy.flights.total).toBe(1);
      const [loginTag, examineTag] = proxy.commands.map((c) => c.line.split(' ')[0]!);
      expect(fromServer.find((line) => line.startsWith(`${loginTag} `))).toMatch(/^\S+ NO /);
      // The client hangs up on the refused LOGIN, so the EXAMINE's answer reaches the proxy only
      // when it raced ahead of that close; when it did, it is a refusal. It is never an OK, and
      // nothing the server sent opened a mailbox.
      const answer = fromServer.find((line) => line.startsWith(`${examineTag} `));
      if (answer !== undefined) expect(answer).toMatch(/^\S+ (BAD|NO) /);
      expect(fromServer.some((line) => /EXISTS|\[READ-(ONLY|WRITE)\]/.test(line))).toBe(false);
    } finally {
      await proxy.close();
    }
  });
});

describe('round trips of a cold request for an OAuth2 account (implicit TLS)', () => {
  /**
   * AUTHENTICATE is never pipelined (a refused token is answered with a "+"
   * challenge that would take the next pipelined line as the SASL answer),
   * so the first SELECT/EXAMINE waits for it: one round trip more than a
   * password account. SASL-IR keeps the token in AUTHENTICATE's own line.
   */
  let account: Account;

  beforeAll(async () => {
    const idp = oauthIdp();
    const clientId = `rtt-${user.user}`;
    await idp.configureClient({ clientId });
    const { accessToken } = await idp.grant({ clientId, user: user.user });
    const { password: _password, ...document } = user.account({ port: tlsProxy.port });
    account = { id: 'rtt-oauth', ...document, oauth2: { accessToken } };
  });

  async function oauthRoundTrips(work: (store: ImapMailStore) => Promise<unknown>): Promise<number> {
    await tlsProxy.whenIdle();
    tlsProxy.reset();
    const store = new ImapMailStore(account, { signal: new AbortController().signal, logger: silentLogger });
    await work(store).finally(() => store.close());
    await tlsProxy.whenIdle();
    expect(tlsProxy.totalConnections).toBe(1);
    return tlsProxy.flights.total;
  }

  test('list page: at most 5 (TLS, AUTHENTICATE, EXAMINE, FETCH)', async () => {
    let count = 0;
    const trips = await oauthRoundTrips(async (store) => {
      count = (await store.listMessages(INBOX, { limit: 10, filter: {} })).messages.length;
    });
    expect(count).toBe(10);
    expect(trips).toBeLessThanOrEqual(5);
  });

  test('get message: at most 5 (TLS, AUTHENTICATE, EXAMINE + summary FETCH, text FETCH)', async () => {
    let subject: string | null = null;
    const trips = await oauthRoundTrips(async (store) => {
      subject = (await store.getMessage(null, ids[3]!, buildGetOptions())).subject;
    });
    expect(subject).toMatch(/^rtt /);
    expect(trips).toBeLessThanOrEqual(5);
  });
});
