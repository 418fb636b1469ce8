import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Deliverer, startDeliverer } from '../../lib/webhooks/deliverer.js';
import { type Gateway, startGateway } from '../support/gateway.js';
import { createMailUser } from '../support/mail-server.js';
import { eventually, type Receiver, startReceiver } from '../unit/webhooks/receiver.js';

/**
 * The test ping end to end: created through the routes, queued by
 * `POST …/test`, sent by the deliverer working on the gateway's store, and
 * verified by the receiver with the standardwebhooks package and the
 * secret from the create answer.
 */

describe('a webhook ping through the routes and the deliverer', () => {
  let gateway: Gateway;
  let receiver: Receiver;
  let deliverer: Deliverer | undefined;
  let token: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    gateway = await startGateway(
      { MAILGATE_WEBHOOK_ALLOW_PRIVATE: true },
      // What the local server's watcher does on `queued`: the deliverer looks at once.
      { webhooks: { onWebhookChange: () => deliverer?.wake() } },
    );
    deliverer = startDeliverer({ repository: gateway.webhooks!, allowPrivate: true, pollMs: 60_000 });
    const user = await createMailUser('webhook-ping');
    await gateway.addAccount('alpha', user.account());
    token = await gateway.token(['alpha'], 'write');
  });

  afterAll(async () => {
    await deliverer?.stop();
    await gateway?.close();
    await receiver?.close();
  });

  const send = (method: string, path: string, body?: unknown) =>
    gateway.get(path, token, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    });

  const queueEmpties = async (id: string) => {
    const until = Date.now() + 10_000;
    while ((await gateway.webhooks!.listQueued(id, 10)).length > 0) {
      if (Date.now() > until) throw new Error('the queue did not empty in time');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('delivers the ping once, signed with the secret the create answer showed', async () => {
    const created = await send('POST', '/v1/accounts/alpha/webhooks', { url: receiver.url('/hook?t=1') });
    expect(created.status).toBe(201);
    const { id, secret } = (await created.json()) as { id: string; secret: string };

    const queued = await send('POST', `/v1/accounts/alpha/webhooks/${id}/test`);
    expect(queued.status).toBe(202);
    const { id: eventId } = (await queued.json()) as { id: string };

    await eventually(() => receiver.requests.length >= 1, 10_000);
    const [request] = receiver.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/hook?t=1' });
    expect(request!.headers['webhook-id']).toBe(eventId);
    const headers = {
      'webhook-id': String(request!.headers['webhook-id']),
      'webhook-timestamp': String(request!.headers['webhook-timestamp']),
      'webhook-signature': String(request!.headers['webhook-signature']),
    };
    const payload = new Webhook(secret).verify(request!.body, headers);
    expect(payload).toEqual({
      type: 'ping',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: { account: 'alpha', webhook: id },
    });
    // Another secret does not verify it.
    const other = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwABCDEFGHIJK=';
    expect(() => new Webhook(other).verify(request!.body, headers)).toThrow();

    // Delivered: the queue empties, nothing is sent twice, and the webhook stays active.
    await queueEmpties(id);
    expect(receiver.requests.length).toBe(1);
    const got = await send('GET', `/v1/accounts/alpha/webhooks/${id}`);
    expect(await got.json()).toMatchObject({ status: 'active', lastError: null });
  });
});
