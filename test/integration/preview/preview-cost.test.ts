import { afterAll, beforeAll, expect, test } from 'vitest';
import type { MailboxRef } from '../../../lib/mail/types.js';
import type { ChunkTransform } from '../../support/fault-proxy/types.js';
import {
  type FaultProxy,
  startFaultProxy,
  transformLines,
  withoutCapability,
} from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { createImapUser, openStore } from '../imap/imap-test-kit.js';
import { newsletter, newsletterPreview } from './preview-messages.js';

/**
 * What previews cost a list of 50 (15 KB newsletters, so every 2 KiB body
 * prefix is read in full): the same commands and round trips as a list
 * without previews, and at most 150 KB from the server. "Without previews"
 * is the same list with the preview item taken out of the FETCH on its way
 * to the server (and PREVIEW/SNIPPET hidden), so the server sends no preview
 * bytes.
 */
const MAILBOX: MailboxRef = { kind: 'path', path: 'Digest' };
const COUNT = 50;
const BUDGET_BYTES = 150 * 1024;

let user: MailUser;
const proxies: FaultProxy[] = [];

function chain(...transforms: ChunkTransform[]): ChunkTransform {
  return (chunk, index) => transforms.reduce((data, transform) => transform(data, index), chunk);
}

const hideServerPreviews = chain(withoutCapability('PREVIEW'), withoutCapability('SNIPPET=FUZZY'));

async function proxy(options: { toClient?: ChunkTransform; toServer?: ChunkTransform }): Promise<FaultProxy> {
  const started = await startFaultProxy({
    target: { host: user.server.host, port: user.server.ports.imap },
    protocol: 'imap',
    transformToClient: options.toClient,
    transformToServer: options.toServer,
  });
  proxies.push(started);
  return started;
}

interface Cost {
  commands: string[];
  roundTrips: number;
  bytesFromServer: number;
  previews: Array<string | null>;
}

async function listThrough(through: FaultProxy): Promise<Cost> {
  await through.whenIdle();
  through.reset();
  const store = openStore(user, { account: { port: through.port, tls: 'none', allowPlaintext: true } });
  const page = await store.listMessages(MAILBOX, { limit: COUNT, filter: {} }).finally(() => store.close());
  await through.whenIdle();
  expect(through.totalConnections).toBe(1);
  return {
    commands: through.commands.map((c) => {
      const [, verb = '', next = ''] = c.line.split(' ');
      return (verb.toUpperCase() === 'UID' ? `UID ${next}` : verb).toUpperCase();
    }),
    roundTrips: through.flights.total,
    bytesFromServer: through.bytes.toClient,
    previews: page.messages.map((m) => m.preview),
  };
}

let withPreview: Cost;
let withPrefix: Cost;
let without: Cost;
let prefixFetch = '';

beforeAll(async () => {
  user = await createImapUser('preview-cost');
  await user.seed(
    MAILBOX.path,
    Array.from({ length: COUNT }, (_, i) => ({ raw: newsletter(i) })),
  );
  const server = await proxy({});
  const prefix = await proxy({ toClient: hideServerPreviews });
  const none = await proxy({
    toClient: hideServerPreviews,
    toServer: transformLines((line) => line.replace(' BODY.PEEK[TEXT]<0.2048>', '')),
  });
  // Dovecot computes a preview once and caches it: the first list is not the one measured.
  await listThrough(server);
  withPreview = await listThrough(server);
  withPrefix = await listThrough(prefix);
  prefixFetch = prefix.commands.find((c) => /FETCH/i.test(c.line))?.line ?? '';
  without = await listThrough(none);
});

afterAll(async () => {
  for (const started of proxies) await started.close();
});

const expected = Array.from({ length: COUNT }, (_, i) => newsletterPreview(COUNT - 1 - i));

test('the three lists give what they should: server previews, decoded prefixes, none', () => {
  expect(withPreview.previews).toEqual(expected);
  expect(withPrefix.previews).toEqual(expected);
  expect(prefixFetch).toMatch(/BODY\.PEEK\[TEXT\]<0\.2048>/);
  expect(without.previews).toEqual(Array.from({ length: COUNT }, () => null));
});

test('previews cost no command and no round trip', () => {
  expect(withPreview.commands).toEqual(without.commands);
  expect(withPrefix.commands).toEqual(without.commands);
  expect(withPreview.commands.filter((c) => /FETCH/.test(c))).toHaveLength(1);
  expect(withPreview.roundTrips).toBe(without.roundTrips);
  expect(withPrefix.roundTrips).toBe(without.roundTrips);
});

test(`a list of ${COUNT} with previews pulls at most 150 KB from the server`, () => {
  expect(withPreview.bytesFromServer).toBeLessThanOrEqual(BUDGET_BYTES);
  expect(withPrefix.bytesFromServer).toBeLessThanOrEqual(BUDGET_BYTES);
  // Each prefix is read whole (2 KiB), each server preview is about 200 bytes.
  expect(withPrefix.bytesFromServer - without.bytesFromServer).toBeGreaterThanOrEqual(COUNT * 2048);
  expect(withPreview.bytesFromServer - without.bytesFromServer).toBeLessThanOrEqual(COUNT * 300);
  console.log(
    `list ${COUNT}: ${without.bytesFromServer} B without previews, ${withPreview.bytesFromServer} B with PREVIEW, ` +
      `${withPrefix.bytesFromServer} B with 2 KiB prefixes; ${without.roundTrips} round trips each`,
  );
});
