import { describe, expect, it } from 'vitest';
import { buildTestApp, readJson, readProblem, TOKENS } from '../support/http-helpers.js';

const MESSAGE = '/v1/accounts/alpha/messages/i-msg-1';

describe('bearer authentication', () => {
  it('answers 401 with a bare Bearer challenge when no token is sent', async () => {
    const { request, stores } = buildTestApp();
    const response = await request('/v1/accounts', { token: null });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="mailgate"');
    expect((await readProblem(response)).code).toBe('unauthorized');
    expect(stores.opened).toHaveLength(0);
  });

  it('answers 401 with error="invalid_token" for an unknown token', async () => {
    const { request } = buildTestApp();
    const response = await request('/v1/accounts', { token: 'not-a-real-token' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await readProblem(response)).code).toBe('unauthorized');
  });

  it('answers 401 for a non-Bearer scheme', async () => {
    const { app } = buildTestApp();
    const response = await app.request('http://127.0.0.1/v1/accounts', {
      headers: { Authorization: `Basic ${btoa('alice:secret')}` },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('leaves /health, /openapi.json and /docs open', async () => {
    const { request } = buildTestApp();
    for (const path of ['/health', '/openapi.json', '/docs']) {
      expect((await request(path, { token: null })).status, path).toBe(200);
    }
  });
});

describe('account isolation', () => {
  it('lists only the accounts a token grants', async () => {
    const { request } = buildTestApp();
    const alphaOnly = await readJson<Array<{ id: string }>>(
      await request('/v1/accounts', { token: TOKENS.readAlpha }),
    );
    expect(alphaOnly.map((account: { id: string }) => account.id)).toEqual(['alpha']);
    const all = await readJson<Array<{ id: string }>>(
      await request('/v1/accounts', { token: TOKENS.writeAll }),
    );
    expect(all.map((account: { id: string }) => account.id)).toEqual(['alpha', 'beta']);
    expect(all[0]).toEqual({ id: 'alpha', protocol: 'imap', capabilities: expect.any(Object) });
  });

  it('answers an existing account outside the grant exactly like a missing one', async () => {
    const { request, credentials, stores } = buildTestApp();
    const paths = (account: string) => [
      `/v1/accounts/${account}`,
      `/v1/accounts/${account}?probe=true`,
      `/v1/accounts/${account}/mailboxes`,
      `/v1/accounts/${account}/mailboxes/INBOX/messages`,
      `/v1/accounts/${account}/messages/i-msg-1`,
      `/v1/accounts/${account}/messages/i-msg-1/raw`,
      `/v1/accounts/${account}/messages/i-msg-1/attachments/2`,
    ];
    for (const [existing, missing] of paths('beta').map((path, i) => [path, paths('gamma')[i]!] as const)) {
      const a = await request(existing, {
        token: TOKENS.readAlpha,
        headers: { 'X-Request-Id': 'fixed-id-0001' },
      });
      const b = await request(missing, {
        token: TOKENS.readAlpha,
        headers: { 'X-Request-Id': 'fixed-id-0001' },
      });
      expect(a.status).toBe(404);
      expect([...a.headers]).toEqual([...b.headers]);
      expect(await a.text()).toBe(await b.text());
    }
    // Neither was looked up, so timing cannot tell them apart either.
    expect(credentials.lookups).not.toContain('beta');
    expect(credentials.lookups).not.toContain('gamma');
    expect(stores.opened).toHaveLength(0);
  });

  it('answers a missing account 404 account_not_found for a token granting all accounts', async () => {
    const { request } = buildTestApp();
    const response = await request('/v1/accounts/gamma/mailboxes', { token: TOKENS.writeAll });
    expect(response.status).toBe(404);
    expect((await readProblem(response)).code).toBe('account_not_found');
  });
});

describe('scopes', () => {
  it('lets a read token read', async () => {
    const { request } = buildTestApp();
    expect((await request(MESSAGE, { token: TOKENS.readAlpha })).status).toBe(200);
  });

  it('refuses markSeen=true to a read token with 403 and never opens a store', async () => {
    const { request, stores } = buildTestApp();
    const response = await request(`${MESSAGE}?markSeen=true`, { token: TOKENS.readAlpha });
    expect(response.status).toBe(403);
    expect((await readProblem(response)).code).toBe('forbidden');
    expect(stores.opened).toHaveLength(0);
  });

  it('passes markSeen through for a write token, and false otherwise', async () => {
    const { request, stores } = buildTestApp();
    await request(`${MESSAGE}?markSeen=true`, { token: TOKENS.writeAlpha });
    await request(MESSAGE, { token: TOKENS.readAlpha });
    const options = stores.calls.map((call) => (call.args[2] as { markSeen: boolean }).markSeen);
    expect(options).toEqual([true, false]);
  });

  it('refuses any non-GET method to a read token with 403', async () => {
    const { request, stores } = buildTestApp();
    for (const method of ['POST', 'PATCH', 'DELETE', 'PUT']) {
      const response = await request(MESSAGE, { token: TOKENS.readAlpha, method });
      expect(response.status, method).toBe(403);
      expect((await readProblem(response)).code).toBe('forbidden');
    }
    expect(stores.opened).toHaveLength(0);
  });
});
