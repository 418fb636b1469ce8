import type { ImapFlow } from 'imapflow';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { silentLogger } from '../../lib/mail/logger.js';
import type { WebhookRecord } from '../../lib/webhooks/repository.js';
import { checkMailbox } from '../../lib/webhooks/watch-mailbox.js';
import { buildMessage, connectOther, openStore } from '../integration/imap-sync/sync-test-kit.js';
import { until } from '../integration/webhooks/watcher-test-kit.js';
import { type FakeImapServer, startFakeImapServer } from '../support/fake-imap-server.js';
import { type Gateway, startGateway } from '../support/gateway.js';
import { readProblem } from '../support/http-helpers.js';
import { createMailUser, type MailUser } from '../support/mail-server.js';
import { type Receiver, startReceiver } from '../unit/webhooks/receiver.js';

/**
 * A webhook's life through the routes against Dovecot: the first look is
 * taken before the create (or the PATCH adding a mailbox) is answered, so
 * mail arriving right after the answer is never lost; a mailbox removed by
 * PATCH loses its cursor (added again, it starts from then); deleting the
 * account deletes its webhooks; a failing receiver shows in GET; a
 * re-enable after the mailbox's state expired sends `mailbox.reset`.
 *
 * `plain` serves the routes on a store nothing watches, so what the route
 * itself stored is observed without racing a watcher (the test takes the
 * watcher's look with `checkMailbox`); `watched` runs the watcher and the
 * deliverer as `npm start` does.
 */

let plain: Gateway;
let watched: Gateway;
let receiver: Receiver;
let user: MailUser;
let other: ImapFlow;
let plainToken: string;
let watchedToken: string;
/** An IMAP server without CONDSTORE: its mailboxes have no change state to watch. */
let stateless: FakeImapServer;

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.handle = (request, response) => {
    response.statusCode = request.url?.startsWith('/failing') ? 500 : 200;
    response.end('ok');
  };
  plain = await startGateway({ MAILGATE_WEBHOOK_ALLOW_PRIVATE: true }, { webhooks: true });
  watched = await startGateway(
    { MAILGATE_WEBHOOK_ALLOW_PRIVATE: true },
    { webhooks: { watch: { pollMs: 300 } } },
  );
  user = await createMailUser('webhook-lifecycle');
  other = await connectOther(user);
  for (const path of ['Early', 'Keep', 'Gone', 'Watched', 'Reborn']) await other.mailboxCreate(path);
  await plain.addAccount('alpha', user.account());
  await watched.addAccount('alpha', user.account());
  stateless = await startFakeImapServer({ mailboxes: { INBOX: ['one'] } });
  await plain.addAccount('stateless', {
    protocol: 'imap',
    host: '127.0.0.1',
    port: stateless.port,
    tls: 'none',
    allowPlaintext: true,
    user: 'alice',
    password: 'secret',
  });
  plainToken = await plain.token(['alpha', 'stateless'], 'write');
  watchedToken = await watched.token(['alpha'], 'write');
});

afterAll(async () => {
  await plain?.close();
  await watched?.close();
  await receiver?.close();
  await other?.logout();
  await stateless?.close();
});

function send(gateway: Gateway, token: string, method: string, path: string, body?: unknown) {
  return gateway.get(path, token, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  });
}

async function createOn(
  gateway: Gateway,
  token: string,
  account: string,
  body: Record<string, unknown>,
): Promise<WebhookRecord> {
  const response = await send(gateway, token, 'POST', `/v1/accounts/${account}/webhooks`, body);
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as WebhookRecord;
}

/** The watcher's look at one mailbox, taken by the test on the plain gateway's store. */
async function look(webhookId: string, mailbox: string) {
  const webhook = (await plain.webhooks!.get('alpha', webhookId))!;
  const store = openStore(user);
  try {
    return await checkMailbox({ repository: plain.webhooks!, store, webhook, mailbox, logger: silentLogger });
  } finally {
    await store.close();
  }
}

async function queuedSubjects(webhookId: string): Promise<string[]> {
  const queued = await plain.webhooks!.listQueued(webhookId, 100);
  return queued.map(({ event }) => {
    const data = event.data as { message?: { subject?: string } };
    return `${event.type}:${data.message?.subject ?? ''}`;
  });
}

function deliveries(path: string, secret: string) {
  return receiver.requests
    .filter((request) => request.path === path)
    .map(
      (request) =>
        new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as {
          type: string;
          data: { mailbox: string; message?: { subject: string } };
        },
    );
}

describe('the first look is taken before the create is answered', () => {
  test('the cursor exists when the 201 arrives, so mail appended at once is an event', async () => {
    const created = await createOn(plain, plainToken, 'alpha', {
      url: receiver.url('/early'),
      mailboxes: ['Early'],
    });
    // Stored by the route itself: nothing watches this gateway's store.
    const cursor = await plain.webhooks!.getCursor(created.id, 'Early');
    expect(cursor).toEqual(expect.any(String));

    await other.append('Early', buildMessage('right after the 201'));
    expect(await look(created.id, 'Early')).toEqual({ committed: 1, reset: false });
    expect(await queuedSubjects(created.id)).toEqual(['message.created:right after the 201']);
  });

  test('with the watcher and deliverer running, mail appended right after the 201 is delivered', async () => {
    const response = await send(watched, watchedToken, 'POST', '/v1/accounts/alpha/webhooks', {
      url: receiver.url('/watched'),
      mailboxes: ['Watched'],
    });
    expect(response.status).toBe(201);
    const { id, secret } = (await response.json()) as { id: string; secret: string };
    expect(await watched.webhooks!.getCursor(id, 'Watched')).toEqual(expect.any(String));
    await other.append('Watched', buildMessage('no waiting for the watcher'));
    await until(() => deliveries('/watched', secret).length >= 1);
    expect(deliveries('/watched', secret)).toEqual([
      expect.objectContaining({
        type: 'message.created',
        data: expect.objectContaining({
          mailbox: 'Watched',
          message: expect.objectContaining({ subject: 'no waiting for the watcher' }),
        }),
      }),
    ]);
    expect((await send(watched, watchedToken, 'DELETE', `/v1/accounts/alpha/webhooks/${id}`)).status).toBe(
      204,
    );
  });
});

describe('a first look that fails', () => {
  test('answers the error and leaves nothing stored (IMAP without CONDSTORE)', async () => {
    const response = await send(plain, plainToken, 'POST', '/v1/accounts/stateless/webhooks', {
      url: receiver.url('/stateless'),
    });
    expect(response.status).toBe(501);
    expect((await readProblem(response)).code).toBe('unsupported_operation');
    expect(await plain.webhooks!.list('stateless')).toEqual([]);
    const listed = await send(plain, plainToken, 'GET', '/v1/accounts/stateless/webhooks');
    expect(await listed.json()).toEqual({ webhooks: [] });
  });
});

describe('deleting an account', () => {
  test('deletes its webhooks with their cursors, and succeeds when it had none', async () => {
    await plain.addAccount('doomed', user.account());
    await plain.addAccount('bystander', user.account());
    const token = await plain.token(['doomed', 'bystander'], 'write');
    const admin = await plain.token('*', 'admin');
    const first = await createOn(plain, token, 'doomed', { url: receiver.url('/doomed-1') });
    const second = await createOn(plain, token, 'doomed', {
      url: receiver.url('/doomed-2'),
      mailboxes: ['Keep'],
    });
    const kept = await createOn(plain, token, 'bystander', { url: receiver.url('/bystander') });

    expect((await send(plain, admin, 'DELETE', '/v1/accounts/doomed')).status).toBe(204);
    expect(await plain.webhooks!.list('doomed')).toEqual([]);
    expect(await plain.webhooks!.get('doomed', first.id)).toBeUndefined();
    expect(await plain.webhooks!.listCursors(second.id)).toEqual({});
    // Another account's webhooks stay.
    expect((await plain.webhooks!.list('bystander')).map((webhook) => webhook.id)).toEqual([kept.id]);

    // The id used again for another mailbox: none of the old webhooks is there.
    await plain.addAccount('doomed', user.account());
    const listed = await send(plain, token, 'GET', '/v1/accounts/doomed/webhooks');
    expect(await listed.json()).toEqual({ webhooks: [] });

    expect((await send(plain, admin, 'DELETE', '/v1/accounts/bystander')).status).toBe(204);
    expect(await plain.webhooks!.list('bystander')).toEqual([]);
    expect((await send(plain, admin, 'DELETE', '/v1/accounts/doomed')).status).toBe(204);
  });
});

describe('a PATCH changing mailboxes', () => {
  test('drops the cursor of a mailbox it removes: named again, the mailbox starts from then, with no replay', async () => {
    const created = await createOn(plain, plainToken, 'alpha', {
      url: receiver.url('/patched'),
      mailboxes: ['Keep', 'Gone'],
    });
    const before = await plain.webhooks!.listCursors(created.id);
    expect(Object.keys(before).sort()).toEqual(['Gone', 'Keep']);

    const removed = await send(plain, plainToken, 'PATCH', `/v1/accounts/alpha/webhooks/${created.id}`, {
      mailboxes: ['Keep'],
    });
    expect(removed.status).toBe(200);
    expect(await plain.webhooks!.listCursors(created.id)).toEqual({ Keep: before.Keep });

    await other.append('Gone', buildMessage('while not watched'));
    const added = await send(plain, plainToken, 'PATCH', `/v1/accounts/alpha/webhooks/${created.id}`, {
      mailboxes: ['Keep', 'Gone'],
    });
    expect(added.status).toBe(200);
    expect(await added.json()).toMatchObject({ mailboxes: ['Keep', 'Gone'] });
    // The first look was taken by the PATCH, after the message arrived.
    const after = await plain.webhooks!.listCursors(created.id);
    expect(after.Keep).toBe(before.Keep);
    expect(after.Gone).toEqual(expect.any(String));
    expect(after.Gone).not.toBe(before.Gone);

    expect(await look(created.id, 'Gone')).toEqual({ committed: 0, reset: false });
    await other.append('Gone', buildMessage('after naming it again'));
    expect(await look(created.id, 'Gone')).toEqual({ committed: 1, reset: false });
    expect(await look(created.id, 'Keep')).toEqual({ committed: 0, reset: false });
    expect(await queuedSubjects(created.id)).toEqual(['message.created:after naming it again']);
  });
});

describe('delivery state through the routes', () => {
  test('GET shows failing with lastError and nextRetryAt after a failed delivery', async () => {
    const created = await createOn(watched, watchedToken, 'alpha', {
      url: receiver.url('/failing'),
      mailboxes: ['Keep'],
    });
    const started = Date.now();
    const queued = await send(
      watched,
      watchedToken,
      'POST',
      `/v1/accounts/alpha/webhooks/${created.id}/test`,
    );
    expect(queued.status).toBe(202);
    await until(() => receiver.requests.some((request) => request.path === '/failing'));
    let shown: Record<string, unknown> = {};
    await until(async () => {
      const got = await send(watched, watchedToken, 'GET', `/v1/accounts/alpha/webhooks/${created.id}`);
      shown = (await got.json()) as Record<string, unknown>;
      return shown.status === 'failing';
    });
    expect(shown).toMatchObject({
      status: 'failing',
      lastError: 'The receiver answered 500.',
      disabledReason: null,
    });
    // The first retry is about 5 s after the failure (±20 %).
    const retryAt = Date.parse(String(shown.nextRetryAt));
    expect(retryAt).toBeGreaterThan(started + 3_000);
    expect(retryAt).toBeLessThan(Date.now() + 7_000);
    expect(receiver.requests.filter((request) => request.path === '/failing')).toHaveLength(1);
    expect(
      (await send(watched, watchedToken, 'DELETE', `/v1/accounts/alpha/webhooks/${created.id}`)).status,
    ).toBe(204);
  });

  test('re-enabling after the stored state expired (mailbox deleted and made again) sends mailbox.reset', async () => {
    const response = await send(watched, watchedToken, 'POST', '/v1/accounts/alpha/webhooks', {
      url: receiver.url('/reborn'),
      mailboxes: ['Reborn'],
    });
    expect(response.status).toBe(201);
    const { id, secret } = (await response.json()) as { id: string; secret: string };
    const before = await watched.webhooks!.getCursor(id, 'Reborn');
    expect(before).toEqual(expect.any(String));

    // Disabled (as the deliverer does after a day of failures), then the mailbox's UIDVALIDITY changes.
    await watched.webhooks!.update('alpha', id, { status: 'disabled', disabledReason: 'test' });
    await watched.watching!.watcher.resync();
    await other.mailboxDelete('Reborn');
    await other.mailboxCreate('Reborn');
    await other.append('Reborn', buildMessage('in the new mailbox'));
    expect(deliveries('/reborn', secret)).toEqual([]);

    const patched = await send(watched, watchedToken, 'PATCH', `/v1/accounts/alpha/webhooks/${id}`, {
      status: 'active',
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ status: 'active', disabledReason: null });
    await until(() => deliveries('/reborn', secret).length >= 1);
    expect(deliveries('/reborn', secret)[0]).toMatchObject({
      type: 'mailbox.reset',
      data: { mailbox: 'Reborn' },
    });
    const after = await watched.webhooks!.getCursor(id, 'Reborn');
    expect(after).not.toBe(before);
    // The reset replaces the history: the message already there is not sent as created.
    expect(deliveries('/reborn', secret).map((delivery) => delivery.type)).toEqual(['mailbox.reset']);
  });
});
