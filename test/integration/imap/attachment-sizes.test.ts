import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ImapMailStore } from '../../../lib/imap/imap-mail-store.js';
import type { AttachmentMeta, MailboxRef } from '../../../lib/mail/types.js';
import { type ParsedMimeNode, parseMimeTree } from '../../../lib/mime/parse-structure.js';
import { type FaultProxy, startFaultProxy, withoutCapability } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import {
  buildGetOptions,
  commandsDuring,
  createImapUser,
  drain,
  fixture,
  openStore,
  roundTripsThrough,
  withStore,
} from './imap-test-kit.js';

/**
 * An attachment's `size` is its decoded size (the bytes its download gives),
 * measured in the FETCH that reads the text parts: from a 2 KiB prefix
 * (exact for a part that fits, within 1% otherwise), or BINARY.SIZE where the
 * server has BINARY and its answer agrees with the prefix.
 */
const FIXTURES = readdirSync(join(import.meta.dirname, '../../fixtures/messages'))
  .filter((name) => name.endsWith('.eml'))
  .sort();
const MAILBOX: MailboxRef = { kind: 'path', path: 'Sizes' };
/** Decoded sizes this small come from parts no longer than the 2 KiB prefix (QP at worst triples). */
const WHOLE_PART_BYTES = 600;
const PREFIX_BYTES = 2048;

let user: MailUser;
const ids = new Map<string, string>();
/** Per fixture: every attachment's id with its downloaded byte count. */
const downloaded = new Map<string, Map<string, number>>();

beforeAll(async () => {
  user = await createImapUser('sizes');
  await user.seed(
    MAILBOX.path,
    FIXTURES.map((name) => ({ raw: fixture(name) })),
  );
  const page = await withStore(user, (store) => store.listMessages(MAILBOX, { limit: 50, filter: {} }));
  for (const [i, message] of [...page.messages].reverse().entries()) ids.set(FIXTURES[i]!, message.id);
  for (const name of FIXTURES) {
    const message = await withStore(user, (store) =>
      store.getMessage(MAILBOX, ids.get(name)!, buildGetOptions()),
    );
    const counts = new Map<string, number>();
    for (const attachment of message.attachments) {
      const bytes = await withStore(user, async (store) =>
        drain(await store.openAttachment(MAILBOX, ids.get(name)!, attachment.id)),
      );
      counts.set(attachment.id, bytes.length);
    }
    downloaded.set(name, counts);
  }
});

function attachmentsOf(store: ImapMailStore, name: string, overrides = {}): Promise<AttachmentMeta[]> {
  return store.getMessage(MAILBOX, ids.get(name)!, buildGetOptions(overrides)).then((m) => m.attachments);
}

test('the fixtures have base64 and quoted-printable attachments to measure', () => {
  const counts = [...downloaded.values()].flatMap((byId) => [...byId.values()]);
  expect(counts.length).toBeGreaterThanOrEqual(15);
});

/**
 * Parts whose size must come out exact on Dovecot: those within one prefix
 * (decoded whole), and the last base64/QP part of a message, the only one
 * whose BINARY.SIZE Dovecot 2.3 states right (it states a far smaller size
 * for a part that another encoded part follows; those are measured).
 */
function exactOnDovecot(name: string): Set<string> {
  const leaves: ParsedMimeNode[] = [];
  const walk = (node: ParsedMimeNode) => {
    if (node.children.length === 0) leaves.push(node);
    else node.children.forEach(walk);
  };
  walk(parseMimeTree(fixture(name)));
  const encoded = leaves.filter((node) => node.encoding === 'base64' || node.encoding === 'quoted-printable');
  const exact = new Set(
    leaves.filter((node) => !encoded.includes(node) || node.size <= PREFIX_BYTES).map((n) => n.part),
  );
  if (encoded.length > 0) exact.add(encoded[encoded.length - 1]!.part);
  return exact;
}

describe('with BINARY (Dovecot)', () => {
  test.each(FIXTURES)(
    '%s: sizes are the downloaded byte counts, measured ones within 1 percent',
    async (name) => {
      const attachments = await withStore(user, (store) => attachmentsOf(store, name));
      const expected = downloaded.get(name)!;
      const exact = exactOnDovecot(name);
      expect(attachments.map((a) => a.id)).toEqual([...expected.keys()]);
      for (const attachment of attachments) {
        const count = expected.get(attachment.id)!;
        if (exact.has(attachment.id)) expect(attachment.size, attachment.id).toBe(count);
        else expect(Math.abs(attachment.size - count) / count, attachment.id).toBeLessThan(0.01);
      }
    },
  );

  test('BINARY.SIZE travels in the text-parts FETCH: no command of its own', async () => {
    const commands = await commandsDuring(user, () =>
      withStore(user, (store) => attachmentsOf(store, 'qp-long-lines.eml')),
    );
    const fetches = commands.filter((line) => /^UID FETCH /i.test(line));
    expect(fetches).toHaveLength(2);
    expect(fetches[0]).toMatch(/BODYSTRUCTURE/);
    expect(fetches[1]).toMatch(/BODY\.PEEK\[1\]/);
    expect(fetches[1]).toMatch(/BINARY\.SIZE\[2\] BINARY\.SIZE\[3\] BINARY\.SIZE\[4\]/);
    expect(fetches[1]).toMatch(/BODY\.PEEK\[2\]<0\.2048> BODY\.PEEK\[3\]<0\.2048> BODY\.PEEK\[4\]<0\.2048>/);
  });

  test('a part the server cannot decode: the refused FETCH is sent again without BINARY.SIZE', async () => {
    let attachments: AttachmentMeta[] = [];
    const commands = await commandsDuring(user, async () => {
      attachments = await withStore(user, (store) => attachmentsOf(store, 'broken.eml'));
    });
    const fetches = commands.filter((line) => /^UID FETCH /i.test(line));
    expect(fetches).toHaveLength(3);
    expect(fetches[1]).toMatch(/BINARY\.SIZE\[2\]/);
    expect(fetches[2]).not.toMatch(/BINARY/);
    // junk.bin is small: its prefix is the whole part, so the size is still exact.
    expect(attachments.map((a) => a.size)).toEqual([downloaded.get('broken.eml')!.get('2')]);
  });

  test('without text parts to fetch (body=none) the encoded attachments are still measured in one FETCH', async () => {
    let attachments: AttachmentMeta[] = [];
    const commands = await commandsDuring(user, async () => {
      attachments = await withStore(user, (store) =>
        attachmentsOf(store, 'base64-long-lines.eml', { body: 'none' }),
      );
    });
    expect(commands.filter((line) => /^UID FETCH /i.test(line))).toHaveLength(2);
    const expected = downloaded.get('base64-long-lines.eml')!;
    for (const attachment of attachments) {
      const exact = expected.get(attachment.id)!;
      expect(Math.abs(attachment.size - exact) / exact).toBeLessThan(0.02);
    }
  });
});

describe('without BINARY (the capability hidden by a proxy)', () => {
  let proxy: FaultProxy;

  beforeAll(async () => {
    proxy = await startFaultProxy({
      target: { host: user.server.host, port: user.server.ports.imap },
      protocol: 'imap',
      transformToClient: withoutCapability('BINARY'),
    });
  });

  afterAll(async () => {
    await proxy?.close();
  });

  test.each(FIXTURES)('%s: every size is within 2 percent, exact for small parts', async (name) => {
    const store = openStore(user, { account: { port: proxy.port, tls: 'none', allowPlaintext: true } });
    const attachments = await attachmentsOf(store, name).finally(() => store.close());
    const expected = downloaded.get(name)!;
    expect(attachments.map((a) => a.id)).toEqual([...expected.keys()]);
    for (const attachment of attachments) {
      const exact = expected.get(attachment.id)!;
      if (exact < WHOLE_PART_BYTES) expect(attachment.size).toBe(exact);
      else expect(Math.abs(attachment.size - exact) / exact).toBeLessThan(0.02);
    }
    expect(proxy.commands.some((c) => /BINARY/i.test(c.line))).toBe(false);
  });
});

describe('round trips (implicit TLS, counted as in imap-rtt/round-trips.test.ts)', () => {
  let tlsProxy: FaultProxy;

  beforeAll(async () => {
    tlsProxy = await startFaultProxy({ target: { host: user.server.host, port: user.server.ports.imaps } });
  });

  afterAll(async () => {
    await tlsProxy?.close();
  });

  const roundTrips = (work: (store: ImapMailStore) => Promise<unknown>) =>
    roundTripsThrough(tlsProxy, user, work);

  test('get with measured attachments: at most 5, as a get without any', async () => {
    let count = 0;
    const trips = await roundTrips(async (store) => {
      count = (await attachmentsOf(store, 'qp-long-lines.eml')).length;
    });
    expect(count).toBe(3);
    expect(trips).toBeLessThanOrEqual(5);
  });

  test('get with body=none of a message with encoded attachments: at most 5 (one FETCH measures them)', async () => {
    const expected = downloaded.get('qp-long-lines.eml')!;
    let attachments: AttachmentMeta[] = [];
    const trips = await roundTrips(async (store) => {
      attachments = await attachmentsOf(store, 'qp-long-lines.eml', { body: 'none' });
    });
    expect(trips).toBeLessThanOrEqual(5);
    expect(attachments.length).toBeGreaterThan(0);
    for (const attachment of attachments) {
      const exact = expected.get(attachment.id)!;
      expect(Math.abs(attachment.size - exact) / exact).toBeLessThan(0.02);
    }
  });

  test('get with body=none of a message without encoded attachments: at most 4 (no FETCH)', async () => {
    const trips = await roundTrips((store) => attachmentsOf(store, 'iso-8859-1.eml', { body: 'none' }));
    expect(trips).toBeLessThanOrEqual(4);
  });
});
