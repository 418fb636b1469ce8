import { describe, expect, it } from 'vitest';
import {
  UpstreamAuthError,
  UpstreamThrottledError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../../lib/mail/errors.js';
import { ALPHA_DOCUMENT, adminTestApps, carolOAuthDocument } from '../support/admin-app.js';
import { readJson, readProblem } from '../support/http-helpers.js';

const setup = adminTestApps();

const PASSWORD = 'Correct-Horse-Battery-Staple-77';
const REFRESH_TOKEN = '1//0gRefreshTokenThatMustNeverComeBack-abcdefghijklmnop';
const CLIENT_SECRET = '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';
const ACCESS_TOKEN = 'ya29.access-token-never-answered';

const bobDocument = (overrides: Record<string, unknown> = {}) => ({
  protocol: 'imap',
  host: 'imap.example.com',
  port: 993,
  tls: 'implicit',
  user: 'bob@example.com',
  password: PASSWORD,
  ...overrides,
});

const oauthDocument = () =>
  carolOAuthDocument({
    clientSecret: CLIENT_SECRET,
    refreshToken: REFRESH_TOKEN,
    accessToken: ACCESS_TOKEN,
    expiresAt: '2026-11-02T10:00:00Z',
    scopes: ['https://mail.google.com/'],
  });

function expectNoSecret(text: string): void {
  for (const secret of [PASSWORD, REFRESH_TOKEN, CLIENT_SECRET, ACCESS_TOKEN, ALPHA_DOCUMENT.password!]) {
    expect(text).not.toContain(secret);
  }
  // As keys: `"auth": "password"` is fine.
  expect(text).not.toMatch(/"(password|refreshToken|accessToken|clientSecret|hash)"\s*:/);
}

/** A login refusal as imapflow leaves it in the cause of the domain error. */
function imapRefusal(text: string, code = 'AUTHENTICATIONFAILED'): UpstreamAuthError {
  const imapflowError = Object.assign(new Error('Command failed'), {
    authenticationFailed: true,
    responseStatus: 'NO',
    serverResponseCode: code,
    responseText: text,
  });
  return new UpstreamAuthError(undefined, { cause: imapflowError });
}

const ADMIN_ROUTES: Array<[method: string, path: string, body?: unknown]> = [
  ['PUT', '/v1/accounts/bob', bobDocument()],
  ['DELETE', '/v1/accounts/alpha'],
  ['POST', '/v1/tokens', { accounts: ['alpha'], scope: 'read' }],
  ['GET', '/v1/tokens'],
  ['DELETE', '/v1/tokens/abcdefghijkl'],
];

describe('the account API refuses every token but admin', () => {
  it.each(ADMIN_ROUTES)(
    '%s %s: 403 for read and write tokens, 401 without one, and nothing changes',
    async (method, path, json) => {
      const app = await setup();
      const before = await app.stored();
      for (const token of [app.tokens.read, app.tokens.write]) {
        const response = await app.request(path, { method, token, json });
        expect(response.status).toBe(403);
        const problem = await readProblem(response);
        expect(problem.code).toBe('forbidden');
        if (token === app.tokens.write || method === 'GET') expect(problem.detail).toMatch(/admin token/);
      }
      expect((await app.request(path, { method, token: null, json })).status).toBe(401);
      expect(await app.stored()).toEqual(before);
      expect(app.stores.opened).toHaveLength(0);
    },
  );

  it('refuses a write token before reading the body: an oversized or broken body is still 403', async () => {
    const app = await setup();
    const big = await app.request('/v1/accounts/bob', {
      method: 'PUT',
      token: app.tokens.write,
      body: 'x'.repeat(200_000),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(big.status).toBe(403);
    const broken = await app.request('/v1/tokens', {
      method: 'POST',
      token: app.tokens.write,
      body: '{',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(broken.status).toBe(403);
  });

  it('answers 501 unsupported_operation on a server without the write side of the store', async () => {
    const app = await setup({ admin: false });
    for (const [method, path, json] of ADMIN_ROUTES) {
      const response = await app.request(path, { method, json });
      expect(response.status, `${method} ${path}`).toBe(501);
      expect((await readProblem(response)).code).toBe('unsupported_operation');
      // A mail token is still told it is the wrong token, not that the route is missing.
      expect((await app.request(path, { method, json, token: app.tokens.write })).status).toBe(403);
    }
  });
});

describe('an admin token and mail', () => {
  it('is refused on every mail route of the OpenAPI document with 403, before any store is opened', async () => {
    const app = await setup();
    const document = (await readJson(await app.request('/openapi.json', { token: null }))) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const allowed = new Set([
      'get /v1/accounts',
      'get /v1/accounts/{account}',
      'put /v1/accounts/{account}',
      'delete /v1/accounts/{account}',
      'post /v1/tokens',
      'get /v1/tokens',
      'delete /v1/tokens/{tokenId}',
    ]);
    const values: Record<string, string> = {
      account: 'alpha',
      mailbox: 'INBOX',
      id: 'i-msg-1',
      attachmentId: '2',
    };
    let checked = 0;
    for (const [template, item] of Object.entries(document.paths)) {
      if (!template.startsWith('/v1/')) continue;
      for (const method of Object.keys(item)) {
        if (allowed.has(`${method} ${template}`)) continue;
        const path = template.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? 'x');
        const json = method === 'get' || method === 'delete' ? undefined : {};
        const response = await app.request(path, { method: method.toUpperCase(), json });
        expect(response.status, `${method} ${template}`).toBe(403);
        const problem = await readProblem(response);
        expect(problem.code).toBe('forbidden');
        expect(problem.detail).toMatch(/mail needs a read or write token/);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(app.stores.opened).toHaveLength(0);
  });

  it('lists every account and reads one without probe, but a probe is mail: 403', async () => {
    const app = await setup();
    await app.request('/v1/accounts/bob', { method: 'PUT', json: bobDocument() });
    const list = await app.request('/v1/accounts');
    expect(list.status).toBe(200);
    expect((await readJson<Array<{ id: string }>>(list)).map((a) => a.id)).toEqual(['alpha', 'bob']);
    const one = await app.request('/v1/accounts/bob');
    expect(one.status).toBe(200);
    expect(await readJson(one)).toMatchObject({ id: 'bob', protocol: 'imap' });
    const probe = await app.request('/v1/accounts/bob?probe=true');
    expect(probe.status).toBe(403);
    expect((await readProblem(probe)).detail).toMatch(/mail needs a read or write token/);
    expect(app.stores.opened).toHaveLength(0);
  });

  it('leaves read and write tokens as they were on mail', async () => {
    const app = await setup();
    expect((await app.request('/v1/accounts/alpha/mailboxes', { token: app.tokens.read })).status).toBe(200);
    const readWrite = await app.request('/v1/accounts/alpha/mailboxes', {
      method: 'POST',
      token: app.tokens.read,
      json: { path: 'New' },
    });
    expect(readWrite.status).toBe(403);
    expect((await readProblem(readWrite)).detail).toBe('This token is read-only.');
    const write = await app.request('/v1/accounts/alpha/mailboxes', {
      method: 'POST',
      token: app.tokens.write,
      json: { path: 'New' },
    });
    expect(write.status).toBe(201);
  });
});

describe('PUT /v1/accounts/{account}', () => {
  it('creates (201) then replaces (200), storing the document exactly and answering no secret', async () => {
    const app = await setup();
    const created = await app.request('/v1/accounts/bob', { method: 'PUT', json: bobDocument() });
    expect(created.status).toBe(201);
    const text = await created.text();
    expectNoSecret(text);
    expect(JSON.parse(text)).toEqual({
      id: 'bob',
      protocol: 'imap',
      host: 'imap.example.com',
      port: 993,
      tls: 'implicit',
      user: 'bob@example.com',
      auth: 'password',
      verified: false,
    });
    expect((await app.stored()).accounts.bob).toEqual(bobDocument());

    const replaced = await app.request('/v1/accounts/bob', {
      method: 'PUT',
      json: bobDocument({ protocol: 'pop3', port: 995 }),
    });
    expect(replaced.status).toBe(200);
    expect(await readJson(replaced)).toMatchObject({ id: 'bob', protocol: 'pop3', port: 995 });
    expect((await app.stored()).accounts.bob).toEqual(bobDocument({ protocol: 'pop3', port: 995 }));
    expect(app.stores.opened).toHaveLength(0);
  });

  it('stores an OAuth2 account and answers its client, never its tokens or secret', async () => {
    const app = await setup();
    const response = await app.request('/v1/accounts/carol', { method: 'PUT', json: oauthDocument() });
    expect(response.status).toBe(201);
    const text = await response.text();
    expectNoSecret(text);
    expect(JSON.parse(text)).toMatchObject({
      id: 'carol',
      auth: 'oauth2',
      oauth2: {
        provider: 'google',
        clientId: '1234.apps.googleusercontent.com',
        scopes: ['https://mail.google.com/'],
        refreshable: true,
      },
    });
    expect((await app.stored()).accounts.carol).toEqual(oauthDocument());
    // What the log says about it holds no secret either.
    expectNoSecret(app.lines.join('\n'));
  });

  it('replaces an account so that the mail routes use the new document at once', async () => {
    const app = await setup();
    await app.request('/v1/accounts/alpha', { method: 'PUT', json: bobDocument({ user: 'new-user' }) });
    expect((await app.request('/v1/accounts/alpha/mailboxes', { token: app.tokens.read })).status).toBe(200);
    expect(app.stores.opened[0]?.account).toMatchObject({
      id: 'alpha',
      user: 'new-user',
      password: PASSWORD,
    });
  });

  it.each([
    ['a missing field', { ...bobDocument(), host: undefined }, 'host'],
    ['an unknown key', bobDocument({ nickname: 'Bob' }), 'nickname'],
    ['an id in the body', bobDocument({ id: 'bob' }), 'unknown key \\"id\\"'],
    [
      'both a password and oauth2',
      { ...oauthDocument(), password: PASSWORD },
      'exactly one of password or oauth2',
    ],
    ['neither a password nor oauth2', { ...bobDocument(), password: undefined }, 'exactly one'],
    ['plaintext without consent', bobDocument({ tls: 'none' }), 'allowPlaintext'],
    ['a bad port', bobDocument({ port: 70000 }), 'port'],
    [
      'an http token URL off loopback',
      {
        ...oauthDocument(),
        oauth2: { ...oauthDocument().oauth2, provider: 'custom', tokenUrl: 'http://idp.example.com/token' },
      },
      'tokenUrl',
    ],
    [
      'an OAuth2 refresh token without a client',
      { ...oauthDocument(), oauth2: { refreshToken: REFRESH_TOKEN } },
      'provider',
    ],
    ['an array', [bobDocument()], 'expected object'],
  ])(
    'refuses %s with 400, naming the field and never a secret; nothing is stored',
    async (_name, json, named) => {
      const app = await setup();
      const before = await app.stored();
      const response = await app.request('/v1/accounts/bob', { method: 'PUT', json });
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({ code: 'invalid_request' });
      expect(text).toContain(named);
      expectNoSecret(text);
      expect(await app.stored()).toEqual(before);
    },
  );

  it.each([['-leading-dash'], ['has space'], ['x'.repeat(65)], ['caf%C3%A9']])(
    'refuses the account id %s with 400; nothing is stored',
    async (id) => {
      const app = await setup();
      const before = await app.stored();
      const response = await app.request(`/v1/accounts/${id.replace(' ', '%20')}`, {
        method: 'PUT',
        json: bobDocument(),
      });
      expect(response.status).toBe(400);
      expect((await readProblem(response)).detail).toContain("path parameter 'account'");
      expect(await app.stored()).toEqual(before);
    },
  );

  it('answers the standard problems for a body that is not JSON, malformed or too large', async () => {
    const app = await setup();
    const before = await app.stored();
    const text = await app.request('/v1/accounts/bob', {
      method: 'PUT',
      body: 'protocol=imap',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect((await readProblem(text)).code).toBe('unsupported_media_type');
    const malformed = await app.request('/v1/accounts/bob', {
      method: 'PUT',
      body: '{"protocol":',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect((await readProblem(malformed)).code).toBe('invalid_request');
    const empty = await app.request('/v1/accounts/bob', { method: 'PUT' });
    expect(empty.status).toBe(400);
    const large = await app.request('/v1/accounts/bob', {
      method: 'PUT',
      json: bobDocument({ tlsOptions: { ca: 'x'.repeat(70_000) } }),
    });
    expect(large.status).toBe(413);
    expect((await readProblem(large)).code).toBe('payload_too_large');
    expect(await app.stored()).toEqual(before);
  });
});

describe('PUT /v1/accounts/{account}?verify=true', () => {
  it('logs in once through the mail store factory before storing, and answers what the server said', async () => {
    const app = await setup();
    const response = await app.request('/v1/accounts/bob?verify=true', {
      method: 'PUT',
      json: bobDocument(),
    });
    expect(response.status).toBe(201);
    const text = await response.text();
    expectNoSecret(text);
    expect(JSON.parse(text)).toMatchObject({
      id: 'bob',
      verified: true,
      server: { name: 'Memory', capabilities: ['IMAP4rev1', 'IDLE'] },
    });
    expect(app.stores.calls.map((call) => call.method)).toEqual(['probe']);
    expect(app.stores.opened[0]?.account).toEqual({ ...bobDocument(), id: 'bob' });
    expect(app.stores.opened[0]?.closeCount).toBeGreaterThan(0);
    expect((await app.stored()).accounts.bob).toEqual(bobDocument());
  });

  it('answers 422 verification_failed quoting the server when the login is refused, and stores nothing', async () => {
    const app = await setup();
    const before = await app.stored();
    app.stores.behaviour.fail = imapRefusal('Authentication failed.');
    const response = await app.request('/v1/accounts/bob?verify=true', {
      method: 'PUT',
      json: bobDocument(),
    });
    expect(response.status).toBe(422);
    const problem = await readProblem(response);
    expect(problem).toMatchObject({ code: 'verification_failed', title: 'Unprocessable Content' });
    expect(problem.detail).toBe(
      'The mail server refused the login; nothing was stored. It answered: "[AUTHENTICATIONFAILED] Authentication failed."',
    );
    expect(await app.stored()).toEqual(before);
  });

  it('keeps the stored account as it was when the replacement is refused', async () => {
    const app = await setup();
    app.stores.behaviour.fail = imapRefusal('Authentication failed.');
    const response = await app.request('/v1/accounts/alpha?verify=true', {
      method: 'PUT',
      json: bobDocument(),
    });
    expect(response.status).toBe(422);
    expect((await app.stored()).accounts.alpha).toEqual(ALPHA_DOCUMENT);
  });

  it('quotes a POP3 -ERR the same way', async () => {
    const app = await setup();
    const pop3Error = Object.assign(new Error('POP3 PASS refused'), {
      kind: 'rejected',
      responseCode: 'AUTH',
      responseText: 'Authentication failed.',
    });
    app.stores.behaviour.fail = new UpstreamAuthError('The POP3 server refused the stored credentials.', {
      cause: pop3Error,
    });
    const response = await app.request('/v1/accounts/bob?verify=true', {
      method: 'PUT',
      json: bobDocument({ protocol: 'pop3', port: 995 }),
    });
    expect(response.status).toBe(422);
    expect((await readProblem(response)).detail).toContain('It answered: "[AUTH] Authentication failed."');
  });

  it('takes out of the quote control characters, secrets, anything token-shaped and whatever is past 200 characters', async () => {
    const app = await setup();
    app.stores.behaviour.fail = imapRefusal(
      `Bad\u0000 login\r\n* for ${PASSWORD} \u202eevil\u202c token dXNlcj1ib2IBYXV0aD1CZWFyZXIgeWEyOS5zZWNyZXQBAQ== ${'z '.repeat(200)}`,
    );
    const response = await app.request('/v1/accounts/bob?verify=true', {
      method: 'PUT',
      json: bobDocument(),
    });
    expect(response.status).toBe(422);
    const detail = String((await readProblem(response)).detail);
    expectNoSecret(detail);
    expect(detail).not.toMatch(/[\u0000-\u001f\u007f\u202e\u202c]/);
    expect(detail).toContain('[AUTHENTICATIONFAILED] Bad login * for [redacted] evil token [redacted] z z');
    expect(detail).not.toContain('dXNlcj1i');
    const quote = detail.slice(detail.indexOf('"') + 1, detail.lastIndexOf('"'));
    expect(quote.length).toBeLessThanOrEqual(200);
    expect(quote.endsWith('…')).toBe(true);
  });

  it('says what failed when the refusal carries no server text (a refresh token the provider refused)', async () => {
    const app = await setup();
    app.stores.behaviour.fail = new UpstreamAuthError(
      'The OAuth2 provider refused the refresh token (invalid_grant): the user must consent again.',
    );
    const response = await app.request('/v1/accounts/carol?verify=true', {
      method: 'PUT',
      json: oauthDocument(),
    });
    expect(response.status).toBe(422);
    const text = await response.text();
    expectNoSecret(text);
    expect(JSON.parse(text).detail).toBe(
      'The login was refused; nothing was stored: The OAuth2 provider refused the refresh token (invalid_grant): the user must consent again.',
    );
    expect((await app.stored()).accounts.carol).toBeUndefined();
  });

  it.each([
    [new UpstreamUnavailableError(), 502, 'upstream_unavailable'],
    [new UpstreamTimeoutError(), 504, 'upstream_timeout'],
    [new UpstreamThrottledError(undefined, 7), 503, 'upstream_throttled'],
  ])('keeps the code of any other failure (%s) and stores nothing', async (error, status, code) => {
    const app = await setup();
    const before = await app.stored();
    app.stores.behaviour.fail = error;
    const response = await app.request('/v1/accounts/bob?verify=true', {
      method: 'PUT',
      json: bobDocument(),
    });
    expect(response.status).toBe(status);
    expect((await readProblem(response)).code).toBe(code);
    expect(await app.stored()).toEqual(before);
  });

  it('answers 504 and stores nothing when the server never answers before the deadline', async () => {
    const app = await setup({ config: { MAILGATE_REQUEST_TIMEOUT_MS: 200 } });
    const before = await app.stored();
    app.stores.behaviour.hang = true;
    const response = await app.request('/v1/accounts/bob?verify=true', {
      method: 'PUT',
      json: bobDocument(),
    });
    expect(response.status).toBe(504);
    // The abandoned handler must not store it after the answer either.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await app.stored()).toEqual(before);
  });

  it.each([
    ['tokenUrl', { tokenUrl: 'https://attacker.example/token' }],
    ['tokenUrl', { provider: 'custom', tokenUrl: 'https://attacker.example/token' }],
    ['clientId', { clientId: 'attacker-client' }],
    ['tenant', { tenant: 'attacker.example' }],
  ])(
    "refuses an account naming a shared OAuth app with its own %s (400): the app's secret never leaves for it, nothing is stored",
    async (field, client) => {
      const app = await setup();
      await app.store.putOAuthApp('shared', {
        provider: 'microsoft',
        clientId: 'shared-client',
        clientSecret: CLIENT_SECRET,
      });
      const before = await app.stored();
      const response = await app.request('/v1/accounts/mallory?verify=true', {
        method: 'PUT',
        json: { ...oauthDocument(), oauth2: { app: 'shared', refreshToken: REFRESH_TOKEN, ...client } },
      });
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({ code: 'invalid_request' });
      expect(text).toContain(`oauth2.${field}`);
      expect(text).toContain('OAuth app');
      expect(text).not.toContain('attacker');
      expectNoSecret(text);
      // Refused before any login: no mail store opened, no token refreshed, nothing written.
      expect(app.stores.opened).toHaveLength(0);
      expect(await app.stored()).toEqual(before);
      expect(await app.store.getAccount('mallory')).toBeUndefined();
    },
  );

  it('does not verify unless asked, and refuses a verify value other than true or false', async () => {
    const app = await setup();
    expect(
      (await app.request('/v1/accounts/bob?verify=false', { method: 'PUT', json: bobDocument() })).status,
    ).toBe(201);
    expect(app.stores.opened).toHaveLength(0);
    const bad = await app.request('/v1/accounts/bob?verify=yes', { method: 'PUT', json: bobDocument() });
    expect(bad.status).toBe(400);
  });
});

describe('DELETE /v1/accounts/{account}', () => {
  it('removes the account (204), after which it is 404 everywhere', async () => {
    const app = await setup();
    const response = await app.request('/v1/accounts/alpha', { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect((await app.stored()).accounts).toEqual({});
    const again = await app.request('/v1/accounts/alpha', { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect((await readProblem(again)).code).toBe('account_not_found');
    const mail = await app.request('/v1/accounts/alpha/mailboxes', { token: app.tokens.read });
    expect(mail.status).toBe(404);
  });

  it('answers 404 account_not_found for an id that cannot exist', async () => {
    const app = await setup();
    const response = await app.request('/v1/accounts/-bad-', { method: 'DELETE' });
    expect(response.status).toBe(404);
    expect((await readProblem(response)).code).toBe('account_not_found');
  });
});

describe('/v1/tokens', () => {
  it('mints a read token (201, shown once) that works on the mail routes of its accounts only', async () => {
    const app = await setup();
    await app.request('/v1/accounts/bob', { method: 'PUT', json: bobDocument() });
    const response = await app.request('/v1/tokens', {
      method: 'POST',
      json: { accounts: ['alpha', 'alpha'], scope: 'read', label: 'phone' },
    });
    expect(response.status).toBe(201);
    const minted = await readJson<Record<string, unknown>>(response);
    expect(minted).toEqual({
      id: expect.stringMatching(/^[a-z0-9]{12}$/),
      token: expect.stringMatching(/^mg_[a-z0-9]{12}_/),
      scope: 'read',
      accounts: ['alpha'],
      label: 'phone',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const token = String(minted.token);
    expect(String(token)).toContain(String(minted.id));
    expect(JSON.stringify(await app.stored())).not.toContain(token);

    expect((await app.request('/v1/accounts/alpha/mailboxes', { token })).status).toBe(200);
    expect((await app.request('/v1/accounts/bob/mailboxes', { token })).status).toBe(404);
    const write = await app.request('/v1/accounts/alpha/mailboxes', {
      method: 'POST',
      token,
      json: { path: 'X' },
    });
    expect(write.status).toBe(403);
    // A minted token is for mail, not for the account API.
    expect((await app.request('/v1/tokens', { token })).status).toBe(403);
  });

  it('mints a write token for every account with "*"', async () => {
    const app = await setup();
    const response = await app.request('/v1/tokens', {
      method: 'POST',
      json: { accounts: '*', scope: 'write' },
    });
    expect(response.status).toBe(201);
    const minted = await readJson<{ token: string; accounts: unknown; label: unknown }>(response);
    expect(minted).toMatchObject({ accounts: '*', label: null });
    await app.request('/v1/accounts/bob', { method: 'PUT', json: bobDocument() });
    const created = await app.request('/v1/accounts/bob/mailboxes', {
      method: 'POST',
      token: minted.token,
      json: { path: 'Y' },
    });
    expect(created.status).toBe(201);
  });

  it.each([
    ['scope admin', { accounts: '*', scope: 'admin' }, 'admin tokens are created with the CLI only'],
    ['an unknown scope', { accounts: '*', scope: 'owner' }, "'scope'"],
    ['no accounts', { scope: 'read' }, "'accounts'"],
    ['an empty account list', { accounts: [], scope: 'read' }, "'accounts'"],
    ['a bad account id', { accounts: ['a b'], scope: 'read' }, "'accounts.0'"],
    ['an unknown key', { accounts: '*', scope: 'read', expires: 3600 }, 'expires'],
    ['a label with a control character', { accounts: '*', scope: 'read', label: 'a\nb' }, "'label'"],
    [
      'an account that does not exist',
      { accounts: ['alpha', 'ghost'], scope: 'read' },
      'No such account: ghost',
    ],
  ])('refuses %s with 400 and mints nothing', async (_name, json, named) => {
    const app = await setup();
    const before = Object.keys((await app.stored()).tokens);
    const response = await app.request('/v1/tokens', { method: 'POST', json });
    expect(response.status).toBe(400);
    const problem = await readProblem(response);
    expect(problem.code).toBe('invalid_request');
    expect(problem.detail).toContain(named);
    expect(Object.keys((await app.stored()).tokens)).toEqual(before);
  });

  it('lists every token, oldest first, without the token or its hash', async () => {
    const app = await setup();
    const minted = await readJson<{ id: string; token: string }>(
      await app.request('/v1/tokens', {
        method: 'POST',
        json: { accounts: ['alpha'], scope: 'write', label: 'ci' },
      }),
    );
    const response = await app.request('/v1/tokens');
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain('hash');
    expect(text).not.toContain(minted.token);
    expect(text).not.toContain(app.tokens.admin);
    const { tokens } = JSON.parse(text) as { tokens: Array<Record<string, unknown>> };
    expect(tokens).toHaveLength(4);
    expect(tokens.map((t) => t.scope)).toEqual(['admin', 'read', 'write', 'write']);
    expect(tokens.at(-1)).toEqual({
      id: minted.id,
      scope: 'write',
      accounts: ['alpha'],
      label: 'ci',
      createdAt: expect.any(String),
    });
    expect(tokens[0]).toMatchObject({ scope: 'admin', accounts: '*', label: 'tests' });
  });

  it('revokes a token (204): it stops working at once; an unknown one is 404 token_not_found', async () => {
    const app = await setup();
    const minted = await readJson<{ id: string; token: string }>(
      await app.request('/v1/tokens', { method: 'POST', json: { accounts: ['alpha'], scope: 'read' } }),
    );
    expect((await app.request('/v1/accounts/alpha/mailboxes', { token: minted.token })).status).toBe(200);
    const revoked = await app.request(`/v1/tokens/${minted.id}`, { method: 'DELETE' });
    expect(revoked.status).toBe(204);
    const after = await app.request('/v1/accounts/alpha/mailboxes', { token: minted.token });
    expect(after.status).toBe(401);
    for (const id of [minted.id, 'zzzzzzzzzzzz', 'not-a-token-id']) {
      const missing = await app.request(`/v1/tokens/${id}`, { method: 'DELETE' });
      expect(missing.status, id).toBe(404);
      expect((await readProblem(missing)).code).toBe('token_not_found');
    }
  });

  it('lets an admin token revoke itself', async () => {
    const app = await setup();
    const { tokens } = await readJson<{ tokens: Array<{ id: string; scope: string }> }>(
      await app.request('/v1/tokens'),
    );
    const self = tokens.find((t) => t.scope === 'admin')!;
    expect((await app.request(`/v1/tokens/${self.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await app.request('/v1/tokens')).status).toBe(401);
  });
});

describe('the admin function app (createAdminApp)', () => {
  it('serves the account API with the same authentication and nothing else', async () => {
    const app = await setup({ adminOnly: true });
    expect((await app.request('/v1/accounts/bob', { method: 'PUT', json: bobDocument() })).status).toBe(201);
    expect((await app.request('/v1/tokens')).status).toBe(200);
    expect((await app.request('/v1/tokens', { token: app.tokens.write })).status).toBe(403);
    expect((await app.request('/v1/tokens', { token: null })).status).toBe(401);
    for (const path of ['/openapi.json', '/health', '/v1/accounts/alpha/mailboxes']) {
      const response = await app.request(path, { token: app.tokens.write });
      expect(response.status, path).toBe(404);
      expect((await readProblem(response)).code).toBe('not_found');
    }
  });
});
