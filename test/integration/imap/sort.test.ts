import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ImapMailStore } from '../../../lib/imap/imap-mail-store.js';
import { InvalidRequestError, UnsupportedOperationError } from '../../../lib/mail/errors.js';
import type { ListQuery, ListSort, MailboxRef, MessageFilter } from '../../../lib/mail/types.js';
import { type FaultProxy, startFaultProxy, transformLines } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { createImapUser, openStore, withStore } from './imap-test-kit.js';

/**
 * Sorted lists against Dovecot (SORT, SORT=DISPLAY): each key in both
 * orders over six messages whose dates, senders, subjects and sizes are
 * each ordered differently from their arrival, paging with a message
 * arriving between pages, cursors bound to their order, a filter as
 * SORT's search part, and the commands a sorted page costs.
 */

interface Fixture {
  tag: string;
  day: number;
  from: string;
  subject: string;
  bodyBytes: number;
}

// Arrival order is the array order; every other key orders them differently.
const FIXTURES: Fixture[] = [
  { tag: 'm0', day: 3, from: 'Carol <carol@a.example>', subject: 'Re: banana', bodyBytes: 300 },
  // The address's mailbox (zed) sorts last, the display name (Alice) first: tells DISPLAYFROM from FROM.
  { tag: 'm1', day: 1, from: 'Alice <zed@b.example>', subject: 'cherry', bodyBytes: 100 },
  { tag: 'm2', day: 5, from: 'Eve <eve@a.example>', subject: 'apple', bodyBytes: 500 },
  { tag: 'm3', day: 2, from: 'Bob <bob@b.example>', subject: 'Fwd: date', bodyBytes: 0 },
  { tag: 'm4', day: 6, from: 'Dave <dave@a.example>', subject: 'elder', bodyBytes: 400 },
  { tag: 'm5', day: 4, from: 'Frank <frank@b.example>', subject: 'fig', bodyBytes: 200 },
];

function raw(f: { tag: string; date: string; from: string; subject: string; bodyBytes: number }): string {
  return [
    `From: ${f.from}`,
    'To: Reader <reader@example.org>',
    `Subject: ${f.subject}`,
    `Date: ${f.date}`,
    `Message-ID: <${f.tag}@example.org>`,
    `X-Tag: ${f.tag}`,
    '',
    `${f.tag} ${'x'.repeat(f.bodyBytes)}`,
    '',
  ].join('\r\n');
}

const dateOf = (day: number, hour = 10) =>
  `${['Thu', 'Fri', 'Sat', 'Sun', 'Mon', 'Tue', 'Wed'][day % 7]}, 0${day} Jan 2026 ${String(hour).padStart(2, '0')}:00:00 +0000`;

const EXPECTED_ASC: Record<ListSort['key'], string[]> = {
  arrival: ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'],
  date: ['m1', 'm3', 'm0', 'm5', 'm2', 'm4'],
  from: ['m1', 'm3', 'm0', 'm4', 'm2', 'm5'],
  subject: ['m2', 'm0', 'm1', 'm3', 'm4', 'm5'],
  size: ['m3', 'm1', 'm5', 'm0', 'm4', 'm2'],
};

let user: MailUser;
const box = (path: string): MailboxRef => ({ kind: 'path', path });
const SORTED = box('Sorted');

function tagOf(messageId: string | null): string {
  return (messageId ?? '').replace('@example.org', '');
}

async function listAll(
  mailbox: MailboxRef,
  query: Omit<ListQuery, 'cursor'>,
  between?: (page: number) => Promise<void>,
): Promise<{ tags: string[]; pages: number; totals: (number | null)[] }> {
  const tags: string[] = [];
  const totals: (number | null)[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await withStore(user, (store) =>
      store.listMessages(mailbox, { ...query, ...(cursor ? { cursor } : {}) }),
    );
    pages++;
    tags.push(...page.messages.map((m) => tagOf(m.messageId)));
    totals.push(page.total);
    cursor = page.nextCursor ?? undefined;
    if (cursor && between) await between(pages);
  } while (cursor && pages < 20);
  return { tags, pages, totals };
}

beforeAll(async () => {
  user = await createImapUser('sort');
  await user.seed(
    'Sorted',
    FIXTURES.map((f) => ({ raw: raw({ ...f, date: dateOf(f.day) }) })),
  );
});

describe('sorted lists on a server with SORT', () => {
  for (const key of ['arrival', 'date', 'from', 'subject', 'size'] as const) {
    for (const order of ['asc', 'desc'] as const) {
      test(`${key} ${order}: exact order, one page and pages of 2`, async () => {
        const expected = order === 'asc' ? EXPECTED_ASC[key] : [...EXPECTED_ASC[key]].reverse();
        const whole = await listAll(SORTED, { limit: 50, filter: {}, sort: { key, order } });
        expect(whole.tags).toEqual(expected);
        expect(whole.pages).toBe(1);
        expect(whole.totals).toEqual([6]);
        const paged = await listAll(SORTED, { limit: 2, filter: {}, sort: { key, order } });
        expect(paged.tags).toEqual(expected);
        expect(paged.pages).toBe(3);
      });
    }
  }

  test('the default order is untouched: arrival newest first, as without sort', async () => {
    const plain = await listAll(SORTED, { limit: 50, filter: {} });
    expect(plain.tags).toEqual([...EXPECTED_ASC.arrival].reverse());
  });

  test('three pages keep their order with no repeat or gap while a message arrives between pages', async () => {
    const mailbox = box('SortedPaging');
    await user.seed(
      'SortedPaging',
      FIXTURES.map((f) => ({ raw: raw({ ...f, date: dateOf(f.day) }) })),
    );
    // date desc: m4 m2 | m5 m0 | m3 m1. After page 1, one message dated between m0 and m3 (below
    // the cursor: shows on a later page) and one dated between m4 and m2 (above it: never shown).
    const result = await listAll(
      mailbox,
      { limit: 2, filter: {}, sort: { key: 'date', order: 'desc' } },
      async (page) => {
        if (page !== 1) return;
        await user.seed('SortedPaging', [
          {
            raw: raw({
              tag: 'late-low',
              date: dateOf(2, 18),
              from: 'Zoe <z@c.example>',
              subject: 'late low',
              bodyBytes: 10,
            }),
          },
          {
            raw: raw({
              tag: 'late-high',
              date: dateOf(5, 18),
              from: 'Zoe <z@c.example>',
              subject: 'late high',
              bodyBytes: 10,
            }),
          },
        ]);
      },
    );
    expect(result.tags).toEqual(['m4', 'm2', 'm5', 'm0', 'late-low', 'm3', 'm1']);
    expect(result.pages).toBe(4);
  });

  test('a cursor whose anchor was expunged continues after the message before it', async () => {
    const mailbox = box('SortedExpunge');
    const uids = await user.seed(
      'SortedExpunge',
      FIXTURES.map((f) => ({ raw: raw({ ...f, date: dateOf(f.day) }) })),
    );
    const first = await withStore(user, (store) =>
      store.listMessages(mailbox, { limit: 3, filter: {}, sort: { key: 'subject', order: 'asc' } }),
    );
    expect(first.messages.map((m) => tagOf(m.messageId))).toEqual(['m2', 'm0', 'm1']);
    // m1, the page's last message, goes away.
    await user.doveadm(['expunge', '-u', user.user, 'mailbox', 'SortedExpunge', 'uid', String(uids[1])]);
    const second = await withStore(user, (store) =>
      store.listMessages(mailbox, {
        limit: 3,
        filter: {},
        sort: { key: 'subject', order: 'asc' },
        cursor: first.nextCursor!,
      }),
    );
    expect(second.messages.map((m) => tagOf(m.messageId))).toEqual(['m3', 'm4', 'm5']);
    expect(second.nextCursor).toBeNull();
  });

  test('a cursor is refused by a list in another order, key or filter, and a default cursor by a sorted list', async () => {
    const sorted = await withStore(user, (store) =>
      store.listMessages(SORTED, { limit: 2, filter: {}, sort: { key: 'date', order: 'desc' } }),
    );
    const plain = await withStore(user, (store) => store.listMessages(SORTED, { limit: 2, filter: {} }));
    const attempts: Array<[string, Partial<ListQuery>]> = [
      [sorted.nextCursor!, { sort: { key: 'date', order: 'asc' } }],
      [sorted.nextCursor!, { sort: { key: 'size', order: 'desc' } }],
      [sorted.nextCursor!, {}],
      [sorted.nextCursor!, { sort: { key: 'date', order: 'desc' }, filter: { seen: false } }],
      [plain.nextCursor!, { sort: { key: 'date', order: 'desc' } }],
      [plain.nextCursor!, { sort: { key: 'arrival', order: 'asc' } }],
    ];
    for (const [cursor, change] of attempts) {
      await expect(
        withStore(user, (store) => store.listMessages(SORTED, { limit: 2, filter: {}, cursor, ...change })),
      ).rejects.toBeInstanceOf(InvalidRequestError);
    }
  });

  test('a filter is the search part of SORT, values quoted, non-ASCII ones included', async () => {
    const filter: MessageFilter = { from: 'a.example' };
    const sizes = await listAll(SORTED, { limit: 2, filter, sort: { key: 'size', order: 'asc' } });
    expect(sizes.tags).toEqual(['m0', 'm4', 'm2']);
    expect(sizes.totals[0]).toBe(3);
    const byDate = await listAll(SORTED, {
      limit: 50,
      filter: { from: 'b.example', before: { at: new Date('2030-01-01T00:00:00Z'), precision: 'day' } },
      sort: { key: 'date', order: 'desc' },
    });
    expect(byDate.tags).toEqual(['m5', 'm3', 'm1']);
    const none = await listAll(SORTED, {
      limit: 50,
      filter: { subject: 'Grüße' },
      sort: { key: 'subject', order: 'asc' },
    });
    expect(none.tags).toEqual([]);
    const arrivalFiltered = await listAll(SORTED, {
      limit: 2,
      filter: { from: 'b.example' },
      sort: { key: 'arrival', order: 'asc' },
    });
    expect(arrivalFiltered.tags).toEqual(['m1', 'm3', 'm5']);
    expect(arrivalFiltered.pages).toBe(2);
  });
});

describe('commands of a sorted page', () => {
  let proxy: FaultProxy;

  beforeAll(async () => {
    proxy = await startFaultProxy({
      target: { host: user.server.host, port: user.server.ports.imap },
      protocol: 'imap',
    });
  });

  afterAll(async () => {
    await proxy?.close();
  });

  async function measure<T>(work: (store: ImapMailStore) => Promise<T>) {
    await proxy.whenIdle();
    proxy.reset();
    const store = openStore(user, { account: { port: proxy.port, tls: 'none', allowPlaintext: true } });
    const result = await work(store).finally(() => store.close());
    await proxy.whenIdle();
    const names = proxy.commands.map((c) => {
      const [, first, second] = c.line.split(' ');
      return first === 'UID' ? `UID ${second}` : (first ?? '');
    });
    return { result, names, roundTrips: proxy.flights.total };
  }

  test('a sorted page costs what a filtered or later unsorted page costs, on every page', async () => {
    // The first login to a server teaches the process its capabilities (SORT, ESEARCH), which a
    // cold connection needs to send its SORT or SEARCH with LOGIN (known-capabilities.ts).
    await measure((s) => s.listMailboxes({ counts: false }));
    const filtered = await measure((s) => s.listMessages(SORTED, { limit: 2, filter: { seen: false } }));
    const firstPlain = await measure((s) => s.listMessages(SORTED, { limit: 2, filter: {} }));
    const laterPlain = await measure((s) =>
      s.listMessages(SORTED, { limit: 2, filter: {}, cursor: firstPlain.result.nextCursor! }),
    );
    const sorted = await measure((s) =>
      s.listMessages(SORTED, { limit: 2, filter: {}, sort: { key: 'date', order: 'desc' } }),
    );
    const sortedLater = await measure((s) =>
      s.listMessages(SORTED, {
        limit: 2,
        filter: {},
        sort: { key: 'date', order: 'desc' },
        cursor: sorted.result.nextCursor!,
      }),
    );
    const sortedFiltered = await measure((s) =>
      s.listMessages(SORTED, { limit: 2, filter: { seen: false }, sort: { key: 'subject', order: 'asc' } }),
    );
    expect(filtered.names).toEqual(['LOGIN', 'EXAMINE', 'UID SEARCH', 'UID FETCH']);
    expect(laterPlain.names).toEqual(['LOGIN', 'EXAMINE', 'UID SEARCH', 'FETCH']);
    for (const run of [sorted, sortedLater, sortedFiltered]) {
      expect(run.names).toEqual(['LOGIN', 'EXAMINE', 'UID SORT', 'UID FETCH']);
      expect(run.roundTrips).toBe(filtered.roundTrips);
      expect(run.roundTrips).toBe(laterPlain.roundTrips);
    }
    // The unsorted first page sends one command less (EXISTS names its sequence window), yet costs
    // the same round trips: the SORT travels with LOGIN and the EXAMINE.
    expect(firstPlain.names).toEqual(['LOGIN', 'EXAMINE', 'FETCH']);
    expect(firstPlain.roundTrips).toBe(sorted.roundTrips);
    // Arrival oldest first needs no SORT: a first page is the unsorted first page's cost.
    const arrivalAsc = await measure((s) =>
      s.listMessages(SORTED, { limit: 2, filter: {}, sort: { key: 'arrival', order: 'asc' } }),
    );
    expect(arrivalAsc.names).toEqual(['LOGIN', 'EXAMINE', 'FETCH']);
  });
});

describe('a server without SORT', () => {
  let proxy: FaultProxy;

  beforeAll(async () => {
    proxy = await startFaultProxy({
      target: { host: user.server.host, port: user.server.ports.imap },
      protocol: 'imap',
      transformToClient: transformLines((line) =>
        /^\* CAPABILITY |\[CAPABILITY /i.test(line)
          ? line.replace(/ (E?SORT|SORT=\S+?|THREAD=\S+?)(?=[ \]]|$)/gi, '')
          : line,
      ),
    });
  });

  afterAll(async () => {
    await proxy?.close();
  });

  const store = () => openStore(user, { account: { port: proxy.port, tls: 'none', allowPlaintext: true } });

  test('sorts by date here (Date header, else INTERNALDATE) both ways and across pages, with no SORT sent', async () => {
    for (const order of ['asc', 'desc'] as const) {
      const tags: string[] = [];
      let cursor: string | undefined;
      do {
        const s = store();
        const page = await s
          .listMessages(SORTED, {
            limit: 4,
            filter: {},
            sort: { key: 'date', order },
            ...(cursor ? { cursor } : {}),
          })
          .finally(() => s.close());
        tags.push(...page.messages.map((m) => tagOf(m.messageId)));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(tags).toEqual(order === 'asc' ? EXPECTED_ASC.date : [...EXPECTED_ASC.date].reverse());
    }
    // With a filter: only the matching messages, in date order.
    const s = store();
    const filtered = await s
      .listMessages(SORTED, { limit: 10, filter: { from: 'a.example' }, sort: { key: 'date', order: 'asc' } })
      .finally(() => s.close());
    expect(filtered.messages.map((m) => tagOf(m.messageId))).toEqual(
      EXPECTED_ASC.date.filter((tag) => ['m0', 'm2', 'm4'].includes(tag)),
    );
    expect(proxy.commands.some((c) => / UID SORT /i.test(c.line))).toBe(false);
  });

  test('lists by arrival both ways, answers 501 for from, subject and size, and its probe lists arrival and date', async () => {
    for (const key of ['from', 'subject', 'size'] as const) {
      const s = store();
      await expect(
        s
          .listMessages(SORTED, { limit: 10, filter: {}, sort: { key, order: 'desc' } })
          .finally(() => s.close()),
      ).rejects.toBeInstanceOf(UnsupportedOperationError);
    }
    const tags: string[] = [];
    let cursor: string | undefined;
    do {
      const s = store();
      const page = await s
        .listMessages(SORTED, {
          limit: 4,
          filter: {},
          sort: { key: 'arrival', order: 'asc' },
          ...(cursor ? { cursor } : {}),
        })
        .finally(() => s.close());
      tags.push(...page.messages.map((m) => tagOf(m.messageId)));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(tags).toEqual(EXPECTED_ASC.arrival);
    const s = store();
    const probe = await s.probe().finally(() => s.close());
    expect(probe.server.capabilities.some((c) => /SORT|THREAD/i.test(c))).toBe(false);
    expect(probe.capabilities.sort).toEqual(['arrival', 'date']);
    expect(probe.capabilities.threads).toBe(true);
    expect(proxy.commands.some((c) => / UID SORT /i.test(c.line))).toBe(false);
  });
});
