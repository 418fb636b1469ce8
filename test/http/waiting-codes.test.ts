import { describe, expect, it } from 'vitest';
import {
  ConnectionWaitTimeoutError,
  OAuthProviderTimeoutError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../../lib/mail/errors.js';
import { buildTestApp, readProblem, TOKENS } from '../support/http-helpers.js';

// Generous for a busy machine; the assertions are about which answer comes, not how fast.
const TIMEOUT_MS = 150;

/** A body that sends its first bytes, then nothing more until the test ends. */
function stalledBody(first: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(first));
    },
  });
}

/**
 * Makes every store's getMailbox wait like a request queued for a connection
 * and fail with `onAbort`'s error once the signal aborts, a turn of the event
 * loop later (as it would after the session's own cleanup).
 */
function waitInStore(
  stores: ReturnType<typeof buildTestApp>['stores'],
  onAbort: (reason: unknown) => Error,
  at: 'next-turn' | 'at-once' = 'next-turn',
) {
  const original = stores.open.bind(stores);
  stores.open = (account, context) => {
    const store = original(account, context);
    store.getMailbox = () =>
      new Promise((_, reject) => {
        const reasonToFail = () => reject(onAbort(context.signal.reason));
        const fail = at === 'at-once' ? reasonToFail : () => setImmediate(reasonToFail);
        context.signal.addEventListener('abort', fail, { once: true });
      });
    return store;
  };
}

describe('a request that waited on something other than the mail server', () => {
  it('answers 408 request_timeout when the client does not finish its body before the deadline', async () => {
    const { app, stores } = buildTestApp({ config: { MAILGATE_REQUEST_TIMEOUT_MS: TIMEOUT_MS } });
    const response = await app.request(
      new Request('http://127.0.0.1/v1/accounts/alpha/messages/i-msg-1', {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${TOKENS.writeAlpha}`, 'Content-Type': 'application/json' },
        body: stalledBody('{"flags":{"add":'),
        duplex: 'half',
      } as RequestInit),
    );
    expect(response.status).toBe(408);
    const problem = await readProblem(response);
    expect(problem.code).toBe('request_timeout');
    expect(problem.detail).toMatch(/body/);
    expect(response.headers.get('connection')).toBe('close');
    // The mail server was never asked.
    expect(stores.opened).toHaveLength(0);
  });

  it('answers 503 upstream_throttled with Retry-After when no connection to the server came free in time', async () => {
    const { request, stores } = buildTestApp({ config: { MAILGATE_REQUEST_TIMEOUT_MS: TIMEOUT_MS } });
    waitInStore(stores, (reason) => new ConnectionWaitTimeoutError(undefined, 2, { cause: reason }));
    const response = await request('/v1/accounts/alpha/mailboxes/INBOX');
    expect(response.status).toBe(503);
    const problem = await readProblem(response);
    expect(problem.code).toBe('upstream_throttled');
    expect(problem.detail).toMatch(/connection/);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(stores.opened[0]!.closeCount).toBeGreaterThan(0);
  });

  it('answers 504 oauth_provider_timeout when the deadline passed while the access token was being refreshed', async () => {
    const { request, stores } = buildTestApp({ config: { MAILGATE_REQUEST_TIMEOUT_MS: TIMEOUT_MS } });
    waitInStore(stores, (reason) => OAuthProviderTimeoutError.pastDeadline({ cause: reason }));
    const response = await request('/v1/accounts/alpha/mailboxes/INBOX');
    expect(response.status).toBe(504);
    const problem = await readProblem(response);
    expect(problem.code).toBe('oauth_provider_timeout');
    expect(problem.detail).toMatch(/refreshed/);
  });

  it('still answers 504 upstream_timeout when the server was asked and the abort fails the call otherwise', async () => {
    const { request, stores } = buildTestApp({ config: { MAILGATE_REQUEST_TIMEOUT_MS: TIMEOUT_MS } });
    waitInStore(stores, () => new UpstreamUnavailableError('The connection was closed.'));
    const response = await request('/v1/accounts/alpha/mailboxes/INBOX');
    expect(response.status).toBe(504);
    expect((await readProblem(response)).code).toBe('upstream_timeout');
  });

  it('never lets an error the abort caused replace the 504, however fast it comes', async () => {
    const { request, stores } = buildTestApp({ config: { MAILGATE_REQUEST_TIMEOUT_MS: TIMEOUT_MS } });
    waitInStore(stores, () => new UpstreamUnavailableError('The connection was closed.'), 'at-once');
    const response = await request('/v1/accounts/alpha/mailboxes/INBOX');
    expect(response.status).toBe(504);
  });

  it('answers 504 upstream_timeout for a store that fails with the deadline itself', async () => {
    const { request, stores } = buildTestApp({ config: { MAILGATE_REQUEST_TIMEOUT_MS: TIMEOUT_MS } });
    waitInStore(stores, (reason) => (reason instanceof Error ? reason : new UpstreamTimeoutError()));
    const response = await request('/v1/accounts/alpha/mailboxes/INBOX');
    expect(response.status).toBe(504);
  });
});
