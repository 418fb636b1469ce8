import type { ImapFlow } from 'imapflow';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Gateway, startGateway } from '../../support/gateway.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';
import { createOAuthMailUser } from '../../support/oauth-account.js';
import { type Receiver, startReceiver } from '../../unit/webhooks/receiver.js';
import { buildMessage, connectOther } from '../imap-sync/sync-test-kit.js';
import { until } from './watcher-test-kit.js';

/**
 * The watcher and deliverer as `npm start` runs them, behind the real
 * routes: a webhook created through the API is watched at once (the
 * routes' `changed`), disabled it is no longer watched, re-enabled through
 * PATCH it resumes from its stored state (what arrived meanwhile is
 * delivered), deleted its connection closes; a POP3 account is polled.
 */

let gateway: Gateway;
let receiver: Receiver;
let user: MailUser;
let other: ImapFlow;
let token: string;

beforeAll(async () => {
  receiver = await startReceiver();
  gateway = await startGateway(
    { MAILGATE_WEBHOOK_ALLOW_PRIVATE: true },
    { webhooks: { watch: { pollMs: 300 } } },
  );
  user = await createMailUser('watcher-routes');
  other = await connectOther(user);
  await gateway.addAccount('alpha', user.account());
  await gateway.addAccount('alpha-pop', user.account({ protocol: 'pop3', port: user.server.ports.pop3s }));
  token = await gateway.token(['alpha', 'alpha-pop'], 'write');
});

afterAll(async () => {
  await gateway?.close();
  await receiver?.close();
  await other?.logout();
});

const send = (method: string, path: string, body?: unknown) =>
  gateway.get(path, token, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  });

function deliveries(path: string, secret: string) {
  return receiver.requests
    .filter((request) => request.path === path)
    .map(
      (request) =>
        new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as {
          type: string;
          data: { mailbox: string; message?: { subject: string }; ids?: string[] };
        },
    );
}

const watchedAccounts = () => gateway.watching!.watcher.status().accounts;

describe('webhooks created through the routes', () => {
  test('are watched at once, stop while disabled, resume when re-enabled and close when deleted', async () => {
    await other.mailboxCreate('Routed');
    const created = await send('POST', '/v1/accounts/alpha/webhooks', {
      url: receiver.url('/routed'),
      mailboxes: ['Routed'],
    });
    expect(created.status).toBe(201);
    const { id, secret } = (await created.json()) as { id: string; secret: string };
    await until(async () => (await gateway.webhooks!.getCursor(id, 'Routed')) !== undefined);
    // The cursor is taken at create; the watch follows the routes' `changed`.
    await until(() => watchedAccounts()[0]?.mailboxes.length === 1);
    expect(watchedAccounts()).toEqual([expect.objectContaining({ id: 'alpha', mailboxes: ['Routed'] })]);

    await other.append('Routed', buildMessage('first through the routes'));
    await until(() => deliveries('/routed', secret).length === 1);
    expect(deliveries('/routed', secret)[0]).toMatchObject({
      type: 'message.created',
      data: { mailbox: 'Routed', message: { subject: 'first through the routes' } },
    });

    // Disabled (as the deliverer does after a 410): no longer watched once the watcher resyncs.
    await gateway.webhooks!.update('alpha', id, { status: 'disabled', disabledReason: 'test' });
    await gateway.watching!.watcher.resync();
    expect(watchedAccounts()).toEqual([]);
    // A marker: another webhook of the account, told after the APPEND to the disabled one's mailbox.
    await other.mailboxCreate('RoutedMarker');
    const markerCreated = await send('POST', '/v1/accounts/alpha/webhooks', {
      url: receiver.url('/routed-marker'),
      mailboxes: ['RoutedMarker'],
    });
    expect(markerCreated.status).toBe(201);
    const marker = (await markerCreated.json()) as { id: string; secret: string };
    await until(async () => (await gateway.webhooks!.getCursor(marker.id, 'RoutedMarker')) !== undefined);
    await other.append('Routed', buildMessage('while disabled'));
    await other.append('RoutedMarker', buildMessage('the marker'));
    await until(() => deliveries('/routed-marker', marker.secret).length === 1);
    expect(deliveries('/routed-marker', marker.secret)[0]).toMatchObject({
      data: { mailbox: 'RoutedMarker', message: { subject: 'the marker' } },
    });
    expect(deliveries('/routed', secret)).toHaveLength(1);
    expect((await send('DELETE', `/v1/accounts/alpha/webhooks/${marker.id}`)).status).toBe(204);
    await until(() => watchedAccounts().length === 0);

    // Re-enabled through the API: watched again from the stored state, so the message is not lost.
    const patched = await send('PATCH', `/v1/accounts/alpha/webhooks/${id}`, { status: 'active' });
    expect(patched.status).toBe(200);
    await until(() => deliveries('/routed', secret).length === 2);
    expect(deliveries('/routed', secret)[1]).toMatchObject({
      type: 'message.created',
      data: { message: { subject: 'while disabled' } },
    });
    await until(() => watchedAccounts()[0]?.connections === 1);

    const deleted = await send('DELETE', `/v1/accounts/alpha/webhooks/${id}`);
    expect(deleted.status).toBe(204);
    await until(() => watchedAccounts().length === 0);
    expect(await gateway.webhooks!.getCursor(id, 'Routed')).toBeUndefined();
  });

  test('on a POP3 account are polled: created and deleted by UIDL', async () => {
    const created = await send('POST', '/v1/accounts/alpha-pop/webhooks', {
      url: receiver.url('/pop'),
      events: ['message.created', 'message.deleted'],
    });
    expect(created.status).toBe(201);
    const { id, secret } = (await created.json()) as { id: string; secret: string };
    await until(async () => (await gateway.webhooks!.getCursor(id, 'INBOX')) !== undefined);
    await until(
      () => watchedAccounts()[0]?.id === 'alpha-pop' && watchedAccounts()[0]?.mailboxes.length === 1,
    );
    expect(watchedAccounts()).toEqual([
      expect.objectContaining({ id: 'alpha-pop', mode: 'poll', mailboxes: ['INBOX'], connections: 0 }),
    ]);

    const appended = await other.append('INBOX', buildMessage('polled over POP3'));
    if (!appended || appended.uid === undefined) throw new Error('append without APPENDUID');
    await until(() => deliveries('/pop', secret).length >= 1);
    expect(deliveries('/pop', secret)[0]).toMatchObject({
      type: 'message.created',
      data: { mailbox: 'INBOX', message: { subject: 'polled over POP3' } },
    });

    await other.mailboxOpen('INBOX');
    await other.messageDelete(String(appended.uid), { uid: true });
    await other.mailboxClose();
    await until(() => deliveries('/pop', secret).some((delivery) => delivery.type === 'message.deleted'));
    const removed = deliveries('/pop', secret).find((delivery) => delivery.type === 'message.deleted')!;
    expect(removed.data.ids).toHaveLength(1);

    expect((await send('DELETE', `/v1/accounts/alpha-pop/webhooks/${id}`)).status).toBe(204);
    await until(() => watchedAccounts().length === 0);
  });

  test('on an OAuth2 account log in with the token manager: an expired stored token is refreshed first', async () => {
    const oauthUser = await createOAuthMailUser('watcher-oauth');
    const { id: _id, ...document } = oauthUser.oauthAccount(
      {},
      { expiresAt: new Date(Date.now() - 60_000).toISOString() },
    );
    await gateway.addAccount('alpha-oauth', document);
    const oauthToken = await gateway.token(['alpha-oauth'], 'write');
    const created = await gateway.get('/v1/accounts/alpha-oauth/webhooks', oauthToken, {
      method: 'POST',
      body: JSON.stringify({ url: receiver.url('/oauth') }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(created.status).toBe(201);
    const { id, secret } = (await created.json()) as { id: string; secret: string };
    await until(async () => (await gateway.webhooks!.getCursor(id, 'INBOX')) !== undefined);
    await until(() => watchedAccounts().find((account) => account.id === 'alpha-oauth')?.connections === 1);
    const refreshes = (await oauthUser.idp.stats(oauthUser.clientId)).refreshGrants;
    expect(refreshes).toBeGreaterThanOrEqual(1);

    const sender = await connectOther(oauthUser);
    try {
      await sender.append('INBOX', buildMessage('through an OAuth2 login'));
    } finally {
      await sender.logout();
    }
    await until(() => deliveries('/oauth', secret).length >= 1);
    expect(deliveries('/oauth', secret)[0]).toMatchObject({
      type: 'message.created',
      data: { mailbox: 'INBOX', message: { subject: 'through an OAuth2 login' } },
    });
    // The refreshed token is reused: no refresh per connection or per check.
    expect((await oauthUser.idp.stats(oauthUser.clientId)).refreshGrants).toBe(refreshes);
  });
});
