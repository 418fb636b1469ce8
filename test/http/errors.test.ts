import { describe, expect, it } from 'vitest';
import { statusForCode } from '../../lib/http/problem.js';
import type { ErrorCode } from '../../lib/mail/errors.js';
import {
  MailgateError,
  StaleMessageIdError,
  UnsupportedOperationError,
  UpstreamAuthError,
  UpstreamThrottledError,
  UpstreamUnavailableError,
} from '../../lib/mail/errors.js';
import { buildTestApp, readProblem } from '../support/http-helpers.js';

const STATUS_TABLE: Array<[ErrorCode, number]> = [
  ['invalid_request', 400],
  ['unauthorized', 401],
  ['forbidden', 403],
  ['not_found', 404],
  ['account_not_found', 404],
  ['mailbox_not_found', 404],
  ['message_not_found', 404],
  ['attachment_not_found', 404],
  ['thread_not_found', 404],
  ['method_not_allowed', 405],
  ['request_timeout', 408],
  ['mailbox_exists', 409],
  ['stale_message_id', 409],
  ['state_expired', 409],
  ['payload_too_large', 413],
  ['unsupported_media_type', 415],
  ['headers_too_large', 431],
  ['internal_error', 500],
  ['unsupported_operation', 501],
  ['upstream_auth_failed', 502],
  ['upstream_unavailable', 502],
  ['upstream_throttled', 503],
  ['upstream_timeout', 504],
  ['oauth_provider_unavailable', 502],
  ['oauth_provider_timeout', 504],
  ['verification_failed', 422],
  ['token_not_found', 404],
  ['webhook_not_found', 404],
  ['webhook_limit_reached', 409],
];

const MESSAGE = '/v1/accounts/alpha/messages/i-msg-1';

describe('statusForCode', () => {
  it.each(STATUS_TABLE)('maps %s to %i', (code, status) => {
    expect(statusForCode(code)).toBe(status);
  });
});

describe('domain errors from the store', () => {
  it.each(STATUS_TABLE.filter(([code]) => code !== 'upstream_throttled'))(
    'answers %s as problem+json with status %i and the error detail',
    async (code, status) => {
      const { request, stores } = buildTestApp();
      stores.behaviour.fail = new MailgateError(code, `detail for ${code}`);
      const response = await request(MESSAGE);
      expect(response.status).toBe(status);
      const problem = await readProblem(response);
      expect(problem.code).toBe(code);
      expect(response.headers.get('x-request-id')).toBeTruthy();
      if (code === 'internal_error') expect(problem.detail).not.toContain('detail for');
      else expect(problem.detail).toBe(`detail for ${code}`);
      expect(stores.opened[0]!.closeCount).toBeGreaterThan(0);
    },
  );

  it('answers upstream_throttled with 503 and Retry-After', async () => {
    const { request, stores } = buildTestApp();
    stores.behaviour.fail = new UpstreamThrottledError('Too many connections.', 42);
    const response = await request(MESSAGE);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('42');
    expect((await readProblem(response)).code).toBe('upstream_throttled');
  });

  it('drops the cached account when the mail server refuses its credentials', async () => {
    const { request, stores, credentials } = buildTestApp();
    stores.behaviour.fail = new UpstreamAuthError();
    const response = await request(MESSAGE);
    expect(response.status).toBe(502);
    expect((await readProblem(response)).code).toBe('upstream_auth_failed');
    expect(credentials.invalidated).toEqual(['alpha']);
  });

  it('does not invalidate on other upstream failures', async () => {
    const { request, stores, credentials } = buildTestApp();
    stores.behaviour.fail = new UpstreamUnavailableError();
    expect((await request(MESSAGE)).status).toBe(502);
    expect(credentials.invalidated).toEqual([]);
  });

  it.each(['oauth_provider_unavailable', 'oauth_provider_timeout'] as const)(
    'logs %s as an upstream failure (a warning), like the mail server failing',
    async (code) => {
      const { request, stores, lines } = buildTestApp();
      stores.behaviour.fail = new MailgateError(code, `detail for ${code}`);
      await request(MESSAGE);
      const warned = lines.map((line) => JSON.parse(line)).filter((entry) => entry.level === 'warn');
      expect(warned).toEqual([expect.objectContaining({ message: 'upstream failure', code })]);
    },
  );

  it('maps stale ids to 409 and unsupported operations to 501', async () => {
    for (const [error, status] of [
      [new StaleMessageIdError(), 409],
      [new UnsupportedOperationError('No flags on POP3.'), 501],
    ] as const) {
      const { request, stores } = buildTestApp();
      stores.behaviour.fail = error;
      expect((await request(MESSAGE)).status).toBe(status);
    }
  });

  it('hides an unexpected error behind a generic 500 and logs it with the request id', async () => {
    const { request, stores, lines } = buildTestApp();
    stores.behaviour.fail = new TypeError('secret internals: cannot read x of undefined');
    const response = await request(MESSAGE, { headers: { 'X-Request-Id': 'req-internal-1' } });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('secret internals');
    expect(text).not.toMatch(/at .*\.ts:\d+/);
    expect(JSON.parse(text).code).toBe('internal_error');
    const logged = lines.map((line) => JSON.parse(line)).find((entry) => entry.level === 'error');
    expect(logged).toMatchObject({ requestId: 'req-internal-1', error: { name: 'TypeError' } });
  });
});

describe('routing errors', () => {
  it('answers an unknown path with 404 not_found', async () => {
    const { request } = buildTestApp();
    for (const path of ['/nope', '/v1/accounts/alpha/nothing-here', '/v2/accounts']) {
      const response = await request(path);
      expect(response.status, path).toBe(404);
      expect((await readProblem(response)).code).toBe('not_found');
    }
  });

  it('answers a wrong method on a known path with 405 and Allow', async () => {
    const { request } = buildTestApp();
    const response = await request('/health', { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect((await readProblem(response)).code).toBe('method_not_allowed');
    const v1 = await request('/v1/accounts/alpha/messages/x/raw', { method: 'DELETE' });
    expect(v1.status).toBe(405);
    expect(v1.headers.get('allow')).toBe('GET, HEAD');
  });

  it('keeps the request id on every kind of error', async () => {
    const { request } = buildTestApp();
    for (const [path, method, token] of [
      ['/nope', 'GET', undefined],
      ['/health', 'PUT', undefined],
      ['/v1/accounts', 'GET', null],
      ['/v1/accounts/alpha/mailboxes/INBOX/messages?limit=0', 'GET', undefined],
    ] as const) {
      const response = await request(path, { method, token, headers: { 'X-Request-Id': 'keep-me-please' } });
      expect(response.headers.get('x-request-id'), `${method} ${path}`).toBe('keep-me-please');
    }
  });
});

describe('request ids', () => {
  it('generates one when none is sent, and a fresh one per request', async () => {
    const { request } = buildTestApp();
    const a = (await request('/health')).headers.get('x-request-id');
    const b = (await request('/health')).headers.get('x-request-id');
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(b).not.toBe(a);
  });

  it('replaces an incoming id that is not sane', async () => {
    const { request } = buildTestApp();
    const response = await request('/health', {
      headers: { 'X-Request-Id': 'bad id with spaces and "quotes"' },
    });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('puts the request id on every log line of the request', async () => {
    const { request, lines } = buildTestApp();
    await request('/v1/accounts/alpha', { headers: { 'X-Request-Id': 'trace-abc-123' } });
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line).requestId).toBe('trace-abc-123');
  });
});
