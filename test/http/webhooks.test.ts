import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookChange } from '../../lib/http/app-env.js';
import { DEFAULT_EVENT_TYPES } from '../../lib/webhooks/events.js';
import type { LocalWebhookStore } from '../../lib/webhooks/local-store/index.js';
import { isWebhookSecret } from '../../lib/webhooks/signing.js';
import { type Gateway, startGateway } from '../support/gateway.js';
import { readProblem } from '../support/http-helpers.js';
import { createMailUser, type MailUser } from '../support/mail-server.js';

/**
 * The webhook routes through the real Node server, against Dovecot
 * accounts: shapes, scopes, tenancy, mailbox and POP3 rules, the cap, the
 * `changed` hook. Nothing here delivers (webhooks-delivery.test.ts does).
 */

/** A public address the resolver stub gives; nothing connects to it (no deliverer runs here). */
const PUBLIC_ADDRESS = '93.184.215.14';
const HOOK_URL = 'https://hooks.example.com/mail?token=receiver-token-1';
const resolve = async (host: string): Promise<string[]> => {
  if (host === 'hooks.example.com' || host === 'other.example.com') return [PUBLIC_ADDRESS];
  throw new Error(`no such host in this test: ${host}`);
};

const WEBHOOK_KEYS = [
  'createdAt',
  'disabledReason',
  'events',
  'id',
  'lastError',
  'mailboxes',
  'nextRetryAt',
  'status',
  'updatedAt',
  'url',
].sort();

type WebhookJson = Record<string, unknown> & { id: string; secret?: string };

let gateway: Gateway;
let store: LocalWebhookStore;
let user: MailUser;
let write: string;
let read: string;
const changes: Array<[string, WebhookChange]> = [];
let hookFails = false;

beforeAll(async () => {
  gateway = await startGateway(
    {},
    {
      webhooks: {
        resolve,
        onWebhookChange: (id, what) => {
          if (hookFails) throw new Error(`hook down for ${id}`);
          changes.push([id, what]);
        },
      },
    },
  );
  store = gateway.webhooks!;
  user = await createMailUser('webhook-routes');
  await gateway.addAccount('alpha', user.account());
  await gateway.addAccount('beta', user.account());
  await gateway.addAccount('capped', user.account());
  await gateway.addAccount('racy', user.account());
  await gateway.addAccount('pop', user.account({ protocol: 'pop3', port: user.server.ports.pop3s }));
  write = await gateway.token(['alpha', 'beta', 'capped', 'racy', 'pop'], 'write');
  read = await gateway.token(['alpha', 'beta', 'capped', 'pop'], 'read');
  const created = await send('POST', '/v1/accounts/alpha/mailboxes', { path: 'Hooked' });
  expect(created.status).toBe(201);
});

afterAll(async () => {
  await gateway?.close();
});

function send(method: string, path: string, body?: unknown, token: string | null = write) {
  return gateway.get(path, token, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  });
}

async function create(account: string, body: Record<string, unknown>): Promise<WebhookJson> {
  const response = await send('POST', `/v1/accounts/${account}/webhooks`, body);
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as WebhookJson;
}

describe('webhook routes: the happy paths', () => {
  it('creates a webhook (201): defaults, Location, the secret shown once, stored and announced', async () => {
    const response = await send('POST', '/v1/accounts/alpha/webhooks', { url: HOOK_URL });
    expect(response.status).toBe(201);
    const body = (await response.json()) as WebhookJson;
    expect(Object.keys(body).sort()).toEqual([...WEBHOOK_KEYS, 'secret'].sort());
    expect(body).toMatchObject({
      url: HOOK_URL,
      mailboxes: ['~inbox'],
      events: [...DEFAULT_EVENT_TYPES],
      status: 'active',
      lastError: null,
      nextRetryAt: null,
      disabledReason: null,
    });
    expect(body.id).toMatch(/^wh_[0-9a-f]{24}$/);
    expect(isWebhookSecret(body.secret!)).toBe(true);
    expect(response.headers.get('location')).toBe(`/v1/accounts/alpha/webhooks/${body.id}`);
    const stored = await store.get('alpha', body.id);
    expect(stored).toMatchObject({ account: 'alpha', url: HOOK_URL, secret: body.secret });
    expect(changes).toContainEqual([body.id, 'created']);
  });

  it('lists and gets webhooks without their secrets', async () => {
    const one = await create('alpha', {
      url: HOOK_URL,
      mailboxes: ['Hooked', 'INBOX'],
      events: ['message.created'],
    });
    const list = await send('GET', '/v1/accounts/alpha/webhooks');
    expect(list.status).toBe(200);
    const { webhooks } = (await list.json()) as { webhooks: WebhookJson[] };
    expect(webhooks.length).toBe((await store.list('alpha')).length);
    for (const webhook of webhooks) expect(Object.keys(webhook).sort()).toEqual(WEBHOOK_KEYS);
    const { secret, ...withoutSecret } = one;
    expect(webhooks).toContainEqual(withoutSecret);
    const got = await send('GET', `/v1/accounts/alpha/webhooks/${one.id}`);
    expect(got.status).toBe(200);
    const text = await got.text();
    expect(JSON.parse(text)).toEqual(withoutSecret);
    expect(text).not.toContain(secret!);
    expect(JSON.stringify(webhooks)).not.toContain('whsec_');
  });

  it('changes url, mailboxes and events (200, announced), each replacing its own', async () => {
    const made = await create('alpha', { url: HOOK_URL });
    const url = 'https://other.example.com/hooks';
    const response = await send('PATCH', `/v1/accounts/alpha/webhooks/${made.id}`, {
      url,
      mailboxes: ['Hooked'],
      events: ['message.deleted', 'mailbox.reset'],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as WebhookJson;
    expect(Object.keys(body).sort()).toEqual(WEBHOOK_KEYS);
    expect(body).toMatchObject({
      id: made.id,
      url,
      mailboxes: ['Hooked'],
      events: ['message.deleted', 'mailbox.reset'],
    });
    expect(await store.get('alpha', made.id)).toMatchObject({
      url,
      mailboxes: ['Hooked'],
      events: ['message.deleted', 'mailbox.reset'],
      secret: made.secret,
    });
    expect(changes).toContainEqual([made.id, 'updated']);
    const only = await send('PATCH', `/v1/accounts/alpha/webhooks/${made.id}`, {
      events: ['message.created'],
    });
    expect(await only.json()).toMatchObject({ url, mailboxes: ['Hooked'], events: ['message.created'] });
  });

  it('re-enables a disabled webhook with {"status": "active"}', async () => {
    const made = await create('alpha', { url: HOOK_URL });
    await store.update('alpha', made.id, {
      status: 'disabled',
      disabledReason: 'The receiver answered 410 Gone.',
      lastError: 'The receiver answered 410 Gone.',
    });
    const before = (await (
      await send('GET', `/v1/accounts/alpha/webhooks/${made.id}`)
    ).json()) as WebhookJson;
    expect(before).toMatchObject({ status: 'disabled', disabledReason: 'The receiver answered 410 Gone.' });
    const response = await send('PATCH', `/v1/accounts/alpha/webhooks/${made.id}`, { status: 'active' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'active',
      disabledReason: null,
      lastError: null,
      nextRetryAt: null,
    });
    expect((await store.get('alpha', made.id))?.status).toBe('active');
  });

  it('deletes a webhook (204, announced); then it is 404 webhook_not_found', async () => {
    const made = await create('alpha', { url: HOOK_URL });
    const response = await send('DELETE', `/v1/accounts/alpha/webhooks/${made.id}`);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(await store.get('alpha', made.id)).toBeUndefined();
    expect(changes).toContainEqual([made.id, 'deleted']);
    for (const [method, path] of [
      ['GET', ''],
      ['DELETE', ''],
      ['PATCH', ''],
      ['POST', '/test'],
    ] as const) {
      const again = await send(
        method,
        `/v1/accounts/alpha/webhooks/${made.id}${path}`,
        method === 'PATCH' ? { status: 'active' } : undefined,
      );
      expect(again.status, `${method} ${path}`).toBe(404);
      expect((await readProblem(again)).code).toBe('webhook_not_found');
    }
  });

  it('queues a ping (202 with the event id), announced as queued', async () => {
    const made = await create('alpha', { url: HOOK_URL, events: ['message.created'] });
    const response = await send('POST', `/v1/accounts/alpha/webhooks/${made.id}/test`);
    expect(response.status).toBe(202);
    const body = (await response.json()) as { id: string; type: string };
    expect(body).toEqual({ id: expect.stringMatching(/^msg_[0-9A-Z]{26}$/), type: 'ping' });
    const queued = await store.listQueued(made.id, 10);
    expect(queued.map((entry) => entry.event)).toEqual([
      {
        id: body.id,
        type: 'ping',
        timestamp: expect.any(String),
        data: { account: 'alpha', webhook: made.id },
      },
    ]);
    expect(changes).toContainEqual([made.id, 'queued']);
  });
});

describe('webhook routes: who may call them', () => {
  it('answers 403 to a read token on every route, GET included, and stores nothing', async () => {
    const made = await create('alpha', { url: HOOK_URL });
    const count = (await store.list('alpha')).length;
    const routes: Array<[string, string, unknown?]> = [
      ['POST', '/v1/accounts/alpha/webhooks', { url: HOOK_URL }],
      ['GET', '/v1/accounts/alpha/webhooks'],
      ['GET', `/v1/accounts/alpha/webhooks/${made.id}`],
      ['PATCH', `/v1/accounts/alpha/webhooks/${made.id}`, { url: 'https://other.example.com/x' }],
      ['DELETE', `/v1/accounts/alpha/webhooks/${made.id}`],
      ['POST', `/v1/accounts/alpha/webhooks/${made.id}/test`],
    ];
    for (const [method, path, body] of routes) {
      const response = await send(method, path, body, read);
      expect(response.status, `${method} ${path}`).toBe(403);
      expect((await readProblem(response)).code).toBe('forbidden');
    }
    expect((await store.list('alpha')).length).toBe(count);
    expect((await store.get('alpha', made.id))?.url).toBe(HOOK_URL);
    expect(await store.listQueued(made.id, 10)).toEqual([]);
  });

  it('answers 401 without a token', async () => {
    const response = await send('GET', '/v1/accounts/alpha/webhooks', undefined, null);
    expect(response.status).toBe(401);
  });

  it("answers 404 webhook_not_found for another account's webhook, even with a token for both, and leaves it alone", async () => {
    const theirs = await create('beta', { url: HOOK_URL });
    const routes: Array<[string, string, unknown?]> = [
      ['GET', `/v1/accounts/alpha/webhooks/${theirs.id}`],
      ['PATCH', `/v1/accounts/alpha/webhooks/${theirs.id}`, { url: 'https://other.example.com/x' }],
      ['DELETE', `/v1/accounts/alpha/webhooks/${theirs.id}`],
      ['POST', `/v1/accounts/alpha/webhooks/${theirs.id}/test`],
    ];
    for (const [method, path, body] of routes) {
      const response = await send(method, path, body);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect((await readProblem(response)).code).toBe('webhook_not_found');
    }
    const list = (await (await send('GET', '/v1/accounts/alpha/webhooks')).json()) as {
      webhooks: WebhookJson[];
    };
    expect(list.webhooks.map((webhook) => webhook.id)).not.toContain(theirs.id);
    expect(await store.get('beta', theirs.id)).toMatchObject({ url: HOOK_URL });
    expect(await store.listQueued(theirs.id, 10)).toEqual([]);
    const own = await send('GET', `/v1/accounts/beta/webhooks/${theirs.id}`);
    expect(own.status).toBe(200);
  });

  it('answers 404 webhook_not_found for malformed and unknown ids', async () => {
    for (const id of ['nope', 'wh_0123', 'WH_0123456789abcdef01234567', 'wh_0123456789abcdef01234567']) {
      const response = await send('GET', `/v1/accounts/alpha/webhooks/${id}`);
      expect(response.status, id).toBe(404);
      expect((await readProblem(response)).code).toBe('webhook_not_found');
    }
  });

  it('answers 404 account_not_found for an account the token does not grant', async () => {
    const other = await gateway.token(['beta'], 'write');
    const response = await send('GET', '/v1/accounts/alpha/webhooks', undefined, other);
    expect(response.status).toBe(404);
    expect((await readProblem(response)).code).toBe('account_not_found');
  });
});

describe('webhook routes: what they refuse', () => {
  it('refuses an unknown mailbox (404 mailbox_not_found) and stores nothing, on create and on PATCH', async () => {
    const count = (await store.list('alpha')).length;
    const response = await send('POST', '/v1/accounts/alpha/webhooks', {
      url: HOOK_URL,
      mailboxes: ['INBOX', 'No Such Box'],
    });
    expect(response.status).toBe(404);
    const problem = await readProblem(response);
    expect(problem.code).toBe('mailbox_not_found');
    expect(problem.detail).toContain('No Such Box');
    expect((await store.list('alpha')).length).toBe(count);

    const made = await create('alpha', { url: HOOK_URL });
    const patch = await send('PATCH', `/v1/accounts/alpha/webhooks/${made.id}`, {
      url: 'https://other.example.com/x',
      mailboxes: ['No Such Box'],
    });
    expect(patch.status).toBe(404);
    expect((await readProblem(patch)).code).toBe('mailbox_not_found');
    expect(await store.get('alpha', made.id)).toMatchObject({ url: HOOK_URL, mailboxes: ['~inbox'] });
  });

  it('refuses an unknown role, and two names of one mailbox', async () => {
    const count = (await store.list('alpha')).length;
    const twice = await send('POST', '/v1/accounts/alpha/webhooks', {
      url: HOOK_URL,
      mailboxes: ['INBOX', '~inbox'],
    });
    expect(twice.status).toBe(400);
    expect((await readProblem(twice)).detail).toMatch(/same mailbox/);
    const role = await send('POST', '/v1/accounts/alpha/webhooks', {
      url: HOOK_URL,
      mailboxes: ['~nosuchrole'],
    });
    expect(role.status).toBe(400);
    expect((await store.list('alpha')).length).toBe(count);
  });

  it('refuses invalid bodies with 400 and stores nothing', async () => {
    const count = (await store.list('alpha')).length;
    for (const body of [
      {},
      { url: HOOK_URL, extra: 1 },
      { url: HOOK_URL, events: ['message.moved'] },
      { url: HOOK_URL, events: [] },
      { url: HOOK_URL, mailboxes: [] },
      { url: `https://hooks.example.com/${'a'.repeat(2100)}` },
    ]) {
      const response = await send('POST', '/v1/accounts/alpha/webhooks', body);
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect((await readProblem(response)).code).toBe('invalid_request');
    }
    const made = await create('alpha', { url: HOOK_URL });
    for (const body of [{}, { status: 'disabled' }, { secret: 'whsec_x' }]) {
      const response = await send('PATCH', `/v1/accounts/alpha/webhooks/${made.id}`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    expect((await store.list('alpha')).length).toBe(count + 1);
  });

  it('POP3: watches INBOX only, defaults to the events it can produce, refuses message.updated', async () => {
    const made = await create('pop', { url: HOOK_URL });
    expect(made.events).toEqual(['message.created', 'message.deleted', 'mailbox.reset']);
    expect(made.mailboxes).toEqual(['~inbox']);
    const inbox = await create('pop', { url: HOOK_URL, mailboxes: ['INBOX'], events: ['message.created'] });
    expect(inbox.events).toEqual(['message.created']);
    const count = (await store.list('pop')).length;

    const updated = await send('POST', '/v1/accounts/pop/webhooks', {
      url: HOOK_URL,
      events: ['message.created', 'message.updated'],
    });
    expect(updated.status).toBe(400);
    expect((await readProblem(updated)).detail).toMatch(/POP3.*message\.updated/);
    const other = await send('POST', '/v1/accounts/pop/webhooks', { url: HOOK_URL, mailboxes: ['Hooked'] });
    expect(other.status).toBe(404);
    expect((await readProblem(other)).code).toBe('mailbox_not_found');
    expect((await store.list('pop')).length).toBe(count);

    const patch = await send('PATCH', `/v1/accounts/pop/webhooks/${made.id}`, {
      events: ['message.updated'],
    });
    expect(patch.status).toBe(400);
    expect((await store.get('pop', made.id))?.events).toEqual([
      'message.created',
      'message.deleted',
      'mailbox.reset',
    ]);
  });

  it('caps webhooks per account at 25 (409 webhook_limit_reached, nothing stored), and frees a place on delete', async () => {
    const ids: string[] = [];
    for (let i = ids.length; i < 25; i += 1)
      ids.push((await create('capped', { url: `${HOOK_URL}-${i}` })).id);
    const refused = await send('POST', '/v1/accounts/capped/webhooks', { url: HOOK_URL });
    expect(refused.status).toBe(409);
    const problem = await readProblem(refused);
    expect(problem.code).toBe('webhook_limit_reached');
    expect(problem.detail).toContain('25');
    expect((await store.list('capped')).length).toBe(25);
    expect((await send('DELETE', `/v1/accounts/capped/webhooks/${ids[0]}`)).status).toBe(204);
    await create('capped', { url: HOOK_URL });
    expect((await store.list('capped')).length).toBe(25);
  });
});

describe('webhook routes: the cap under concurrent creates', () => {
  it('creates exactly up to the cap when creates race, and refuses the rest with nothing left behind', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwABCDEFGHIJK=';
    for (let i = 0; i < 22; i += 1) {
      await store.create({ account: 'racy', url: HOOK_URL, mailboxes: ['~inbox'], events: ['ping'], secret });
    }
    const before = changes.length;
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => send('POST', '/v1/accounts/racy/webhooks', { url: HOOK_URL })),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([201, 201, 201, 409, 409, 409]);
    const listed = await store.list('racy');
    expect(listed.length).toBe(25);
    const created = await Promise.all(
      answers
        .filter((answer) => answer.status === 201)
        .map(async (answer) => ((await answer.json()) as WebhookJson).id),
    );
    expect(
      listed
        .slice(22)
        .map((webhook) => webhook.id)
        .sort(),
    ).toEqual(created.sort());
    // Only the kept ones were announced.
    expect(
      changes
        .slice(before)
        .filter(([, what]) => what === 'created')
        .map(([id]) => id)
        .sort(),
    ).toEqual(created.sort());
  });
});

describe('webhook routes: the changed hook', () => {
  it('a failing hook is logged by ids and does not fail the request', async () => {
    hookFails = true;
    let made: WebhookJson;
    try {
      made = await create('alpha', { url: HOOK_URL });
      expect((await send('POST', `/v1/accounts/alpha/webhooks/${made.id}/test`)).status).toBe(202);
    } finally {
      hookFails = false;
    }
    expect(await store.get('alpha', made.id)).toBeDefined();
    const lines = gateway.logs.filter((line) => line.includes('webhook change could not be announced'));
    expect(lines.length).toBe(2);
    for (const line of lines) {
      expect(JSON.parse(line)).toMatchObject({ webhook: made.id, error: 'Error' });
      expect(line).not.toContain('hooks.example.com');
      expect(line).not.toContain('hook down');
    }
  });

  it('no log line carries a secret or a webhook URL', () => {
    const all = gateway.logs.join('\n');
    expect(all).not.toContain('whsec_');
    expect(all).not.toContain('receiver-token-1');
    expect(all).not.toContain('hooks.example.com');
  });
});

describe('webhook routes on a server without webhooks', () => {
  let bare: Gateway;
  let token: string;

  beforeAll(async () => {
    bare = await startGateway();
    await bare.addAccount('alpha', user.account());
    token = await bare.token(['alpha'], 'write');
  });

  afterAll(async () => {
    await bare?.close();
  });

  it('answers 501 unsupported_operation on every route', async () => {
    const id = 'wh_0123456789abcdef01234567';
    const routes: Array<[string, string, unknown?]> = [
      ['POST', '/v1/accounts/alpha/webhooks', { url: HOOK_URL }],
      ['GET', '/v1/accounts/alpha/webhooks'],
      ['GET', `/v1/accounts/alpha/webhooks/${id}`],
      ['PATCH', `/v1/accounts/alpha/webhooks/${id}`, { status: 'active' }],
      ['DELETE', `/v1/accounts/alpha/webhooks/${id}`],
      ['POST', `/v1/accounts/alpha/webhooks/${id}/test`],
    ];
    for (const [method, path, body] of routes) {
      const response = await bare.get(path, token, {
        method,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
      });
      expect(response.status, `${method} ${path}`).toBe(501);
      expect((await readProblem(response)).code).toBe('unsupported_operation');
    }
  });
});
