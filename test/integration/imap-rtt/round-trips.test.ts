import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Account } from '../../../lib/credentials/account.js';
import { ImapMailStore } from '../../../lib/imap/imap-mail-store.js';
import { UpstreamAuthError } from '../../../lib/mail/errors.js';
import { silentLogger } from '../../../lib/mail/logger.js';
import type { MailboxRef, MessageScope } from '../../../lib/mail/types.js';
import { type FaultProxy, startFaultProxy, transformLines } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { oauthIdp } from '../../support/oauth-account.js';
import {
  buildGetOptions,
  buildMessage,
  createImapUser,
  openStore,
  roundTripsThrough,
} from '../imap/imap-test-kit.js';

/**
 * Round trips of a cold request on implicit TLS, counted as request flights
 * by a proxy (independent of timing): the TLS 1.3 handshake takes two
 * (ClientHello, Finished), then LOGIN travels with the first SELECT/EXAMINE.
 * The budgets are the performance goal; a change that adds a round trip fails.
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

  test.each(SCOPES)(
    'get message by %s: at most 5 (TLS, LOGIN + EXAMINE, summary FETCH, text FETCH)',
    async (_name, scope) => {
      let subject: string | null = null;
      const trips = await roundTrips(async (store) => {
        subject = (await store.getMessage(scope, ids[3]!, buildGetOptions())).subject;
      });
      expect(subject).toMatch(/^rtt /);
      expect(trips).toBeLessThanOrEqual(5);
    },
  );

  test.each(SCOPES)('flag update by %s: at most 4 (TLS, LOGIN + SELECT, UID STORE)', async (_name, scope) => {
    let flags: string[] = [];
    const trips = await roundTrips(async (store) => {
      flags = (await store.updateFlags(scope, ids[scope ? 6 : 5]!, { add: ['\\Flagged'], remove: [] })).flags;
    });
    expect(flags).toContain('\\Flagged');
    expect(trips).toBeLessThanOrEqual(4);
  });

  test('get message by the id alone in a mailbox whose path is over 140 bytes: at most 6 (LIST with LOGIN, then EXAMINE)', async () => {
    expect(Buffer.byteLength(LONG_PATH)).toBeGreaterThan(140);
    let subject: string | null = null;
    const trips = await roundTrips(async (store) => {
      subject = (await store.getMessage(null, longPathId, buildGetOptions())).subject;
    });
    expect(subject).toBe('far away');
    // The LIST that finds the path travels with LOGIN; the EXAMINE then waits for its answer.
    expect(trips).toBeLessThanOrEqual(6);
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

  test('get message: at most 6 (TLS, AUTHENTICATE, EXAMINE, summary FETCH, text FETCH)', async () => {
    let subject: string | null = null;
    const trips = await oauthRoundTrips(async (store) => {
      subject = (await store.getMessage(null, ids[3]!, buildGetOptions())).subject;
    });
    expect(subject).toMatch(/^rtt /);
    expect(trips).toBeLessThanOrEqual(6);
  });
});
