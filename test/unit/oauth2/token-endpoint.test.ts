import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AccountConfigurationError, MailgateError } from '../../../lib/mail/errors.js';
import { microsoftPreset, type ResolvedOAuthClient } from '../../../lib/oauth2/providers.js';
import { requestRefresh } from '../../../lib/oauth2/token-endpoint.js';

/**
 * A token endpoint on loopback that answers what each test sets, for the
 * answers the fake identity provider does not give: ID tokens on refresh,
 * challenges, malformed bodies.
 */
interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

let server: Server;
let tokenUrl: string;
let answer: Answer;
let received: URLSearchParams[];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/common/oauth2/v2.0/token`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
});

const REFRESH_TOKEN = 'rt-presented-never-echoed';

function client(overrides: Partial<ResolvedOAuthClient> = {}): ResolvedOAuthClient {
  return { provider: 'custom', clientId: 'client-1', tokenUrl, ...overrides };
}

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

async function refused(promise: Promise<unknown>): Promise<MailgateError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MailgateError);
  return error as MailgateError;
}

const refresh = (resolved: ResolvedOAuthClient) =>
  requestRefresh(resolved, REFRESH_TOKEN, { accountId: 'work', timeoutMs: 2000, allowLoopbackHttp: true });

describe('requestRefresh', () => {
  it('reads at most 64 KiB of an answer: a larger one is oauth_provider_unavailable, never parsed', async () => {
    // Valid JSON after a megabyte of whitespace: read whole, it would be accepted.
    answer = {
      status: 200,
      body: `${' '.repeat(1024 * 1024)}${JSON.stringify({ access_token: 'at-huge', token_type: 'Bearer', expires_in: 3600 })}`,
    };
    const error = await refused(refresh(client()));
    expect(error.code).toBe('oauth_provider_unavailable');
    expect(String((error.cause as Error).message)).toContain('TokenAnswerTooLargeError');
    // Just under the limit still works.
    answer = {
      status: 200,
      body: `${' '.repeat(60 * 1024)}${JSON.stringify({ access_token: 'at-fits', token_type: 'Bearer', expires_in: 3600 })}`,
    };
    expect((await refresh(client())).accessToken).toBe('at-fits');
  });

  it('refuses a plain http endpoint on loopback unless allowed, before sending anything, naming the setting', async () => {
    answer = { status: 200, body: JSON.stringify({ access_token: 'at-x', token_type: 'bearer' }) };
    const error = await refused(
      requestRefresh(client({ clientSecret: 'cs-never-sent' }), REFRESH_TOKEN, {
        accountId: 'work',
        timeoutMs: 2000,
        allowLoopbackHttp: false,
      }),
    );
    expect(error).toBeInstanceOf(AccountConfigurationError);
    expect(error.code).toBe('internal_error');
    expect(error.detail).toContain('account "work"');
    expect(error.detail).toContain('MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP');
    expect(error.detail).not.toContain(tokenUrl);
    expect(received).toEqual([]);

    expect(await refresh(client())).toEqual({ accessToken: 'at-x' });
    expect(received).toHaveLength(1);
  });

  it("refreshes at Microsoft's common tenant although the ID token names the user's own tenant", async () => {
    const now = Math.floor(Date.now() / 1000);
    answer = {
      status: 200,
      body: JSON.stringify({
        access_token: 'at-new',
        token_type: 'Bearer',
        expires_in: 3599,
        refresh_token: 'rt-rotated',
        id_token: jwt({
          iss: 'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0',
          aud: 'client-1',
          sub: 'user',
          iat: now,
          exp: now + 3600,
        }),
      }),
    };
    const result = await refresh(client({ provider: 'microsoft', tenant: 'common' }));
    expect(result).toEqual({ accessToken: 'at-new', expiresInSeconds: 3599, refreshToken: 'rt-rotated' });

    // Microsoft is asked for its preset scopes (its v2.0 endpoint wants `scope` on a refresh).
    expect(received[0]?.get('grant_type')).toBe('refresh_token');
    expect(received[0]?.get('refresh_token')).toBe(REFRESH_TOKEN);
    expect(received[0]?.get('client_id')).toBe('client-1');
    expect(received[0]?.get('scope')).toBe(microsoftPreset().scopes.join(' '));
  });

  it('sends the scopes the account lists, none when it lists none, and a client secret in the body', async () => {
    answer = { status: 200, body: JSON.stringify({ access_token: 'at-x', token_type: 'bearer' }) };
    expect(await refresh(client())).toEqual({ accessToken: 'at-x' });
    await refresh(client({ scopes: ['mail', 'offline'], clientSecret: 'cs-1' }));
    expect(received[0]?.has('scope')).toBe(false);
    expect(received[0]?.has('client_secret')).toBe(false);
    expect(received[1]?.get('scope')).toBe('mail offline');
    expect(received[1]?.get('client_secret')).toBe('cs-1');
  });

  it.each([
    {
      what: 'invalid_grant',
      status: 400,
      body: { error: 'invalid_grant', error_description: `provider-said: token ${REFRESH_TOKEN} is gone` },
      code: 'upstream_auth_failed',
      detail: /invalid_grant.*consent again/s,
    },
    {
      what: 'invalid_client',
      status: 401,
      body: { error: 'invalid_client', error_description: `provider-said: wrong secret` },
      code: 'upstream_auth_failed',
      detail: /\(invalid_client\)/,
    },
    {
      what: 'an error code outside the RFC 6749 character set',
      status: 400,
      body: { error: `bad "${REFRESH_TOKEN}"` },
      code: 'upstream_auth_failed',
      detail: /\(an unrecognised error\)/,
    },
    {
      what: 'server_error in a 4xx body',
      status: 400,
      body: { error: 'server_error' },
      code: 'oauth_provider_unavailable',
      detail: /Retry later/,
    },
    {
      what: 'a 200 without token_type, echoing tokens',
      status: 200,
      body: { access_token: 'at-in-a-bad-answer', refresh_token: REFRESH_TOKEN },
      code: 'oauth_provider_unavailable',
      detail: /Retry later/,
    },
    {
      what: 'a 502 with an HTML page',
      status: 502,
      body: '<html>bad gateway</html>',
      code: 'oauth_provider_unavailable',
      detail: /Retry later/,
    },
  ])('$what → $code, with nothing of the answer in the error', async ({ status, body, code, detail }) => {
    answer = { status, body: typeof body === 'string' ? body : JSON.stringify(body) };
    const error = await refused(refresh(client()));
    expect(error.code).toBe(code);
    expect(error.detail).toMatch(detail);
    const text = JSON.stringify({ message: error.message, detail: error.detail, cause: String(error.cause) });
    expect(text).not.toContain(REFRESH_TOKEN);
    expect(text).not.toContain('at-in-a-bad-answer');
    expect(text).not.toContain('provider-said');
  });

  it('a 401 challenge in WWW-Authenticate is upstream_auth_failed naming its error', async () => {
    answer = {
      status: 401,
      headers: { 'www-authenticate': 'Basic realm="token", error="invalid_client"' },
      body: '',
    };
    const error = await refused(refresh(client({ clientSecret: 'cs-1' })));
    expect(error.code).toBe('upstream_auth_failed');
    expect(error.detail).toContain('(invalid_client)');
  });
});
