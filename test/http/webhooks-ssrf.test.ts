import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../support/gateway.js';
import { readProblem } from '../support/http-helpers.js';
import { createMailUser, type MailUser } from '../support/mail-server.js';

/**
 * The URL rules at the routes (issue #12): what a write token's holder may
 * make the gateway POST to. Names resolve through an injected resolver;
 * nothing delivers here, so no address below is ever connected to.
 */

const resolve = async (host: string): Promise<string[]> => {
  const names: Record<string, string[]> = {
    'loopback.example.com': ['127.0.0.1'],
    'mixed.example.com': ['93.184.215.14', '10.1.2.3'],
    'hooks.example.com': ['93.184.215.14'],
  };
  const found = names[host];
  if (!found) throw new Error(`no such host in this test: ${host}`);
  return found;
};

/** Path and query a receiver might use for its own token: never echoed back. */
const TAIL = '/in/SECRETPATH?token=SECRETQUERY';

let user: MailUser;

beforeAll(async () => {
  user = await createMailUser('webhook-ssrf');
});

async function setUp(allowPrivate: boolean) {
  const gateway = await startGateway(allowPrivate ? { MAILGATE_WEBHOOK_ALLOW_PRIVATE: true } : {}, {
    webhooks: { resolve },
  });
  await gateway.addAccount('alpha', user.account());
  const token = await gateway.token(['alpha'], 'write');
  const send = (method: string, path: string, body: unknown) =>
    gateway.get(path, token, {
      method,
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' },
    });
  return { gateway, send };
}

describe('webhook URLs on a server that keeps webhooks to public addresses', () => {
  let gateway: Gateway;
  let send: Awaited<ReturnType<typeof setUp>>['send'];

  beforeAll(async () => {
    ({ gateway, send } = await setUp(false));
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it.each([
    ['https://127.0.0.1', /loopback/],
    ['https://10.0.0.1', /private/],
    ['https://169.254.169.254', /metadata/],
    ['https://[::1]', /loopback/],
    ['https://[fd00:ec2::254]', /metadata/],
    ['https://[::ffff:127.0.0.1]', /loopback/],
    ['https://loopback.example.com', /resolves to 127\.0\.0\.1, a loopback address/],
    ['https://mixed.example.com', /resolves to 10\.1\.2\.3, a private address/],
    ['http://hooks.example.com', /must use https/],
    ['https://user:pw@hooks.example.com', /user name or password/],
    ['https://unknown.example.com', /could not be resolved/],
  ])('refuses %s with 400 naming why, stores nothing, echoes no path or query', async (origin, reason) => {
    const before = (await gateway.webhooks!.list('alpha')).length;
    const response = await send('POST', '/v1/accounts/alpha/webhooks', { url: `${origin}${TAIL}` });
    const text = await response.clone().text();
    expect(response.status).toBe(400);
    const problem = await readProblem(response);
    expect(problem.code).toBe('invalid_request');
    expect(problem.detail).toMatch(reason);
    expect(text).not.toContain('SECRETPATH');
    expect(text).not.toContain('SECRETQUERY');
    expect((await gateway.webhooks!.list('alpha')).length).toBe(before);
  });

  it('accepts an https URL whose every address is public', async () => {
    const response = await send('POST', '/v1/accounts/alpha/webhooks', {
      url: `https://hooks.example.com${TAIL}`,
    });
    expect(response.status).toBe(201);
  });

  it('checks a URL a PATCH names, and changes nothing when it is refused', async () => {
    const created = await send('POST', '/v1/accounts/alpha/webhooks', {
      url: `https://hooks.example.com${TAIL}`,
    });
    const { id } = (await created.json()) as { id: string };
    const response = await send('PATCH', `/v1/accounts/alpha/webhooks/${id}`, {
      url: `https://127.0.0.1${TAIL}`,
      events: ['message.created'],
    });
    expect(response.status).toBe(400);
    expect((await readProblem(response)).detail).toMatch(/loopback/);
    expect(await gateway.webhooks!.get('alpha', id)).toMatchObject({
      url: `https://hooks.example.com${TAIL}`,
      events: ['message.created', 'message.updated', 'message.deleted', 'mailbox.reset'],
    });
  });

  it('logs no refused URL', () => {
    const all = gateway.logs.join('\n');
    expect(all).not.toContain('SECRETPATH');
    expect(all).not.toContain('SECRETQUERY');
  });
});

describe('webhook URLs with MAILGATE_WEBHOOK_ALLOW_PRIVATE=true', () => {
  let gateway: Gateway;
  let send: Awaited<ReturnType<typeof setUp>>['send'];

  beforeAll(async () => {
    ({ gateway, send } = await setUp(true));
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it.each([
    'http://127.0.0.1:9',
    'https://10.0.0.1',
    'http://[::1]:9',
    'https://loopback.example.com',
    'http://hooks.example.com',
  ])('accepts %s', async (origin) => {
    const response = await send('POST', '/v1/accounts/alpha/webhooks', { url: `${origin}${TAIL}` });
    expect(response.status, await response.clone().text()).toBe(201);
    const { id } = (await response.json()) as { id: string };
    expect((await gateway.webhooks!.get('alpha', id))?.url).toBe(`${origin}${TAIL}`);
  });

  it.each(['http://169.254.169.254', 'https://[fd00:ec2::254]'])(
    'still refuses the cloud metadata address %s',
    async (origin) => {
      const before = (await gateway.webhooks!.list('alpha')).length;
      const response = await send('POST', '/v1/accounts/alpha/webhooks', { url: `${origin}${TAIL}` });
      expect(response.status).toBe(400);
      expect((await readProblem(response)).detail).toMatch(/metadata/);
      expect((await gateway.webhooks!.list('alpha')).length).toBe(before);
    },
  );
});
