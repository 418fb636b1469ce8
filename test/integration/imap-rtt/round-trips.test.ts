import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ImapMailStore } from '../../../lib/imap/imap-mail-store.js';
import { UpstreamAuthError } from '../../../lib/mail/errors.js';
import type { MailboxRef } from '../../../lib/mail/types.js';
import { type FaultProxy, startFaultProxy, transformLines } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { buildGetOptions, buildMessage, createImapUser, openStore } from '../imap/imap-test-kit.js';

/**
 * Round trips of a cold request on implicit TLS, counted as request flights
 * by a proxy (independent of timing): the TLS 1.3 handshake takes two
 * (ClientHello, Finished), then LOGIN travels with the first SELECT/EXAMINE.
 * The budgets are the performance goal; a change that adds a round trip fails.
 */
const INBOX: MailboxRef = { kind: 'path', path: 'INBOX' };
let user: MailUser;
let tlsProxy: FaultProxy;
let ids: string[];

beforeAll(async () => {
  user = await createImapUser('rtt');
  await user.seed('RttMoved', []);
  await user.seed(
    'INBOX',
    Array.from({ length: 12 }, (_, i) => ({ raw: buildMessage({ subject: `rtt ${i}` }) })),
  );
  tlsProxy = await startFaultProxy({ target: { host: user.server.host, port: user.server.ports.imaps } });
  const store = openStore(user);
  ids = (
    await store.listMessages(INBOX, { limit: 12, filter: {} }).finally(() => store.close())
  ).messages.map((m) => m.id);
});

afterAll(async () => {
  await tlsProxy?.close();
});

async function roundTrips(work: (store: ImapMailStore) => Promise<unknown>): Promise<number> {
  await tlsProxy.whenIdle();
  tlsProxy.reset();
  const store = openStore(user, { account: { port: tlsProxy.port } });
  await work(store).finally(() => store.close());
  await tlsProxy.whenIdle();
  expect(tlsProxy.totalConnections).toBe(1);
  return tlsProxy.flights.total;
}

describe('round trips of a cold request (implicit TLS)', () => {
  test('list page: at most 4 (TLS, LOGIN + EXAMINE, FETCH)', async () => {
    let count = 0;
    const trips = await roundTrips(async (store) => {
      count = (await store.listMessages(INBOX, { limit: 10, filter: {} })).messages.length;
    });
    expect(count).toBe(10);
    expect(trips).toBeLessThanOrEqual(4);
  });

  test('get message: at most 5 (TLS, LOGIN + EXAMINE, summary FETCH, text FETCH)', async () => {
    let subject: string | null = null;
    const trips = await roundTrips(async (store) => {
      subject = (await store.getMessage(INBOX, ids[3]!, buildGetOptions())).subject;
    });
    expect(subject).toMatch(/^rtt /);
    expect(trips).toBeLessThanOrEqual(5);
  });

  test('flag update: at most 4 (TLS, LOGIN + SELECT, UID STORE)', async () => {
    let flags: string[] = [];
    const trips = await roundTrips(async (store) => {
      flags = (await store.updateFlags(INBOX, ids[5]!, { add: ['\\Flagged'], remove: [] })).flags;
    });
    expect(flags).toContain('\\Flagged');
    expect(trips).toBeLessThanOrEqual(4);
  });

  test('move: at most 5 (TLS, LOGIN + STATUS + SELECT, UID MOVE)', async () => {
    let moved: { id: string; mailbox: string } | null = null;
    const trips = await roundTrips(async (store) => {
      moved = await store.moveMessage(INBOX, ids[7]!, { kind: 'path', path: 'RttMoved' });
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
      const examineTag = proxy.commands[1]!.line.split(' ')[0]!;
      const answer = fromServer.find((line) => line.startsWith(`${examineTag} `));
      expect(answer).toMatch(/^\S+ (BAD|NO) /);
      expect(fromServer.some((line) => /EXISTS/.test(line))).toBe(false);
    } finally {
      await proxy.close();
    }
  });
});
