import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ImapConnectionPool } from '../../../lib/imap/pool/connection-pool.js';
import type { MailboxRef } from '../../../lib/mail/types.js';
import type { FaultProxy } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { buildMessage, createImapUser } from '../imap/imap-test-kit.js';
import { buildPool, lastConnection, plainProxy, request, viaProxy } from './reuse-kit.js';

/**
 * The pool never hands out a connection the server has condemned or that
 * went silent: Dovecot ends a session whose selected mailbox another
 * session deleted, but only after it ran the next command, and a peer can
 * vanish without closing TCP.
 */
const INBOX: MailboxRef = { kind: 'path', path: 'INBOX' };
let user: MailUser;

beforeAll(async () => {
  user = await createImapUser('dead');
  await user.seed('INBOX', [{ raw: buildMessage({ subject: 'resident' }) }]);
});

const subjectsOf = (path: string) =>
  request(user, undefined, {}, async (store) =>
    (await store.listMessages({ kind: 'path', path }, { limit: 50, filter: {} })).messages.map(
      (m) => m.subject,
    ),
  );

describe('a kept connection whose selected mailbox another client deleted', () => {
  let proxy: FaultProxy;
  let pool: ImapConnectionPool;
  beforeAll(async () => {
    proxy = await plainProxy(user);
    pool = buildPool();
  });
  afterAll(async () => {
    pool.close();
    await proxy.close();
  });

  /** A request lists `Doomed` on a pooled connection (which keeps it selected); another session deletes it. */
  async function deleteSelectedElsewhere(): Promise<void> {
    await user.seed('Doomed', [{ raw: buildMessage({ subject: 'doomed' }) }]);
    await request(user, pool, viaProxy(proxy, true), (store) =>
      store.listMessages({ kind: 'path', path: 'Doomed' }, { limit: 5, filter: {} }),
    );
    await request(user, undefined, {}, (store) => store.deleteMailbox({ kind: 'path', path: 'Doomed' }));
    proxy.reset();
  }

  test('the next append succeeds and stores the message exactly once', async () => {
    await deleteSelectedElsewhere();
    const appended = await request(user, pool, viaProxy(proxy, true), (store) =>
      store.appendMessage(INBOX, {
        raw: Buffer.from(buildMessage({ subject: 'after delete' })),
        flags: [],
        date: null,
      }),
    );
    expect(appended.mailbox).toBe('INBOX');
    expect((await subjectsOf('INBOX')).filter((s) => s === 'after delete')).toHaveLength(1);
    expect(proxy.commands.filter((c) => / APPEND /.test(c.line))).toHaveLength(1);
  });

  test('the next create, flag update and list succeed', async () => {
    await deleteSelectedElsewhere();
    await request(user, pool, viaProxy(proxy, true), (store) => store.createMailbox('Created after delete'));
    await deleteSelectedElsewhere();
    const [id] = await request(user, pool, viaProxy(proxy, true), async (store) =>
      (await store.listMessages(INBOX, { limit: 1, filter: {} })).messages.map((m) => m.id),
    );
    await deleteSelectedElsewhere();
    const updated = await request(user, pool, viaProxy(proxy, true), (store) =>
      store.updateFlags(INBOX, id!, { add: ['\\Flagged'], remove: [] }),
    );
    expect(updated.flags).toContain('\\Flagged');
  });
});

describe('a kept connection whose peer went silent (TCP still open)', () => {
  let proxy: FaultProxy;
  let pool: ImapConnectionPool;
  beforeAll(async () => {
    proxy = await plainProxy(user);
  });
  afterAll(async () => {
    pool?.close();
    await proxy.close();
  });

  /** Keeps one connection (after `warm`), then makes the proxy swallow everything on it; new connections work. */
  async function silenceKept(warm: 'list' | 'mailboxes'): Promise<void> {
    pool = buildPool({ firstReplyMs: 300 });
    await request(
      user,
      pool,
      viaProxy(proxy, true),
      (store): Promise<unknown> =>
        warm === 'list'
          ? store.listMessages(INBOX, { limit: 5, filter: {} })
          : store.listMailboxes({ counts: false }),
    );
    const kept = lastConnection(proxy);
    proxy.setFaults({ onCommand: (_line, index) => (index === kept ? 'stall' : 'forward') });
    proxy.reset();
  }

  test('a read moves to a fresh connection after the first-reply time, well before the deadline', async () => {
    await silenceKept('list');
    const page = await request(
      user,
      pool,
      viaProxy(proxy, true),
      (store) => store.listMessages(INBOX, { limit: 5, filter: {} }),
      AbortSignal.timeout(15_000),
    );
    expect(page.messages.map((m) => m.subject)).toContain('resident');
    expect(proxy.totalConnections).toBe(1);
  });

  test('a write whose command was sent fails upstream_unavailable at once and is never sent again', async () => {
    // After a LIST of mailboxes nothing is selected: the APPEND is the first command sent.
    await silenceKept('mailboxes');
    const append = request(
      user,
      pool,
      viaProxy(proxy, true),
      (store) =>
        store.appendMessage(INBOX, {
          raw: Buffer.from(buildMessage({ subject: 'into the void' })),
          flags: [],
          date: null,
        }),
      AbortSignal.timeout(15_000),
    );
    await expect(append).rejects.toMatchObject({ code: 'upstream_unavailable' });
    expect(proxy.totalConnections).toBe(0);
    expect(proxy.commands.filter((c) => / APPEND /.test(c.line))).toHaveLength(1);
  });
});
