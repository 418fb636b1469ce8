import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MailboxRef, MessageSummary } from '../../../lib/mail/types.js';
import type { ChunkTransform } from '../../support/fault-proxy/types.js';
import { type FaultProxy, startFaultProxy, withoutCapability } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { commandsDuring, createImapUser, openStore, withStore } from '../imap/imap-test-kit.js';
import { PREVIEW_CASES, type PreviewCase } from './preview-messages.js';

/**
 * Summaries carry `preview`, read in the summaries' one FETCH: the server's
 * PREVIEW (RFC 8970, Dovecot 2.3 has it), else its older SNIPPET (FUZZY),
 * else `BODY.PEEK[TEXT]<0.2048>` decoded by the gateway. Each source is
 * checked on the same messages; the last two with capabilities hidden by a
 * proxy.
 */
const MAILBOX: MailboxRef = { kind: 'path', path: 'Previews' };

let user: MailUser;

beforeAll(async () => {
  user = await createImapUser('preview');
  await user.seed(
    MAILBOX.path,
    PREVIEW_CASES.map((c) => ({ raw: c.raw })),
  );
});

function chain(...transforms: ChunkTransform[]): ChunkTransform {
  return (chunk, index) => transforms.reduce((data, transform) => transform(data, index), chunk);
}

/** Summaries oldest first, so in PREVIEW_CASES order. */
async function listed(port?: number): Promise<MessageSummary[]> {
  const account = port === undefined ? {} : { port, tls: 'none' as const, allowPlaintext: true };
  const store = openStore(user, { account });
  try {
    const page = await store.listMessages(MAILBOX, { limit: 50, filter: {} });
    return [...page.messages].reverse();
  } finally {
    await store.close();
  }
}

function expectPreview(summary: MessageSummary, c: PreviewCase): void {
  if (c.expected === 'best-effort') {
    // No error; null or text with nothing a preview never holds.
    if (summary.preview !== null) {
      expect(summary.preview, c.name).not.toMatch(/[\r\n\t\u0000-\u001f]|\s{2}/);
      expect(summary.preview.length, c.name).toBeLessThanOrEqual(200);
    }
    return;
  }
  expect(summary.preview, c.name).toBe(c.expected);
  expect(summary.preview ?? '', c.name).not.toMatch(/[<>]/);
}

describe('with PREVIEW (Dovecot)', () => {
  test('every summary carries the server-computed preview', async () => {
    const summaries = await listed();
    expect(summaries.map((s) => s.subject)).toHaveLength(PREVIEW_CASES.length);
    for (const [i, c] of PREVIEW_CASES.entries()) expectPreview(summaries[i]!, c);
  });

  test('PREVIEW rides in the one FETCH of the list', async () => {
    const commands = await commandsDuring(user, () => listed());
    const fetches = commands.filter((line) => /^(UID )?FETCH /i.test(line));
    expect(fetches).toHaveLength(1);
    expect(fetches[0]).toMatch(/ PREVIEW[ )]/);
    expect(fetches[0]).not.toMatch(/BODY\.PEEK\[TEXT\]/);
  });

  test('threads and the change feed carry it too', async () => {
    const threads = await withStore(user, (store) => store.listThreads(MAILBOX, { limit: 50 }));
    const latest = threads.threads.map((t) => t.latest);
    expect(latest.some((s) => s.preview === PREVIEW_CASES[0]!.expected)).toBe(true);

    const feed: MailboxRef = { kind: 'path', path: 'PreviewFeed' };
    await user.seed(feed.path, [{ raw: PREVIEW_CASES[0]!.raw }]);
    const since = await withStore(user, (store) => store.getMailbox(feed)).then((status) => status.state!);
    await user.seed(feed.path, [{ raw: PREVIEW_CASES[2]!.raw }]);
    const changes = await withStore(user, (store) => store.changes(feed, since, { maxChanges: 10 }));
    expect(changes.created.map((s) => s.preview)).toEqual([PREVIEW_CASES[2]!.expected]);
  });
});

describe('without PREVIEW: SNIPPET (FUZZY)', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy({
      target: { host: user.server.host, port: user.server.ports.imap },
      protocol: 'imap',
      transformToClient: withoutCapability('PREVIEW'),
    });
  });
  afterAll(async () => {
    await proxy?.close();
  });

  test('the preview comes from SNIPPET in the same FETCH', async () => {
    const summaries = await listed(proxy.port);
    for (const [i, c] of PREVIEW_CASES.entries()) expectPreview(summaries[i]!, c);
    const fetches = proxy.commands.filter((c) => /^\S+ (UID )?FETCH /i.test(c.line)).map((c) => c.line);
    expect(fetches).toHaveLength(1);
    expect(fetches[0]).toMatch(/ SNIPPET \(FUZZY\)/);
    expect(fetches[0]).not.toMatch(/PREVIEW/);
  });
});

describe('without PREVIEW and SNIPPET: the body prefix decoded here', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy({
      target: { host: user.server.host, port: user.server.ports.imap },
      protocol: 'imap',
      transformToClient: chain(withoutCapability('PREVIEW'), withoutCapability('SNIPPET=FUZZY')),
    });
  });
  afterAll(async () => {
    await proxy?.close();
  });

  test('each preview is decoded from BODY[TEXT]<0.2048> of the same FETCH', async () => {
    const summaries = await listed(proxy.port);
    for (const [i, c] of PREVIEW_CASES.entries()) expectPreview(summaries[i]!, c);
    const fetches = proxy.commands.filter((c) => /^\S+ (UID )?FETCH /i.test(c.line)).map((c) => c.line);
    expect(fetches).toHaveLength(1);
    expect(fetches[0]).toMatch(/BODY\.PEEK\[TEXT\]<0\.2048>/);
    expect(fetches[0]).not.toMatch(/PREVIEW|SNIPPET/);
  });
});
