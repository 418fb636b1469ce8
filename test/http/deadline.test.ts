import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../lib/http/app-env.js';
import { deadline } from '../../lib/http/middleware/deadline.js';
import { buildTestApp, readProblem } from '../support/http-helpers.js';
import { buildDownload, buildMessage } from '../support/memory-store.js';

// Generous for a busy machine; the assertions are about what happens, not how fast.
const TIMEOUT_MS = 150;

describe('the request deadline', () => {
  it('answers 504 upstream_timeout when the store never answers, and closes it', async () => {
    const { request, stores } = buildTestApp({ config: { MAILGATE_REQUEST_TIMEOUT_MS: TIMEOUT_MS } });
    stores.behaviour.hang = true;
    const response = await request('/v1/accounts/alpha/mailboxes/INBOX/messages');
    expect(response.status).toBe(504);
    expect((await readProblem(response)).code).toBe('upstream_timeout');
    const [store] = stores.opened;
    expect(store!.context.signal.aborted).toBe(true);
    expect(store!.closeCount).toBeGreaterThan(0);
  });

  it('answers 504 even when the store ignores the abort, and still closes it', async () => {
    const { request, stores } = buildTestApp({ config: { MAILGATE_REQUEST_TIMEOUT_MS: TIMEOUT_MS } });
    let release: () => void = () => {};
    const stuck = new Promise<void>((resolve) => {
      release = resolve;
    });
    // A store that keeps waiting after the abort, then answers late: that answer must be dropped.
    stores.behaviour.fail = undefined;
    const original = stores.open.bind(stores);
    stores.open = (account, context) => {
      const store = original(account, context);
      store.getMailbox = async () => {
        await stuck;
        return {
          path: 'INBOX',
          name: 'INBOX',
          role: 'inbox',
          total: 1,
          unseen: 0,
          uidNext: 2,
          uidValidity: '1',
          highestModseq: null,
          state: null,
        };
      };
      return store;
    };
    const response = await request('/v1/accounts/alpha/mailboxes/INBOX');
    expect(response.status).toBe(504);
    expect(stores.opened[0]!.closeCount).toBeGreaterThan(0);
    release();
  });

  it('covers a streamed download only until the headers', async () => {
    let unblock: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      unblock = resolve;
    });
    const { request, stores } = buildTestApp({
      config: { MAILGATE_REQUEST_TIMEOUT_MS: TIMEOUT_MS },
      data: {
        mailboxes: [
          {
            path: 'INBOX',
            name: 'INBOX',
            parent: null,
            delimiter: '/',
            role: 'inbox',
            specialUse: null,
            subscribed: true,
          },
        ],
        messages: [buildMessage({ id: 'slow' })],
        downloads: {
          slow: () =>
            buildDownload({
              size: null,
              body: (async function* () {
                yield new TextEncoder().encode('first ');
                await gate;
                yield new TextEncoder().encode('second');
              })(),
            }),
        },
      },
    });
    const response = await request('/v1/accounts/alpha/messages/slow/raw');
    expect(response.status).toBe(200);
    // Let the deadline pass while the body is still being sent.
    await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS * 3));
    unblock();
    expect(await response.text()).toBe('first second');
    expect(stores.opened[0]!.context.signal.aborted).toBe(false);
    expect(stores.opened[0]!.closeCount).toBeGreaterThan(0);
  });

  it('aborts the store when the client goes away', async () => {
    const { app, stores } = buildTestApp({ config: { MAILGATE_REQUEST_TIMEOUT_MS: 60_000 } });
    stores.behaviour.hang = true;
    const client = new AbortController();
    const pending = app.request('http://127.0.0.1/v1/accounts/alpha/mailboxes', {
      headers: { Authorization: 'Bearer write-alpha-token-1b8e2d' },
      signal: client.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    client.abort();
    await pending;
    expect(stores.opened[0]!.context.signal.aborted).toBe(true);
    expect(stores.opened[0]!.closeCount).toBeGreaterThan(0);
  });
});

describe('a route that lengthens its deadline', () => {
  async function timed(extendToMs: number, workMs: number) {
    const app = new Hono<AppEnv>();
    app.onError((error, c) => c.text(error.name, 504));
    app.use('*', deadline(TIMEOUT_MS));
    app.get('/', async (c) => {
      c.get('deadline').extendTo(extendToMs);
      await new Promise((resolve) => setTimeout(resolve, workMs));
      return c.text(c.get('signal').aborted ? 'aborted' : 'done');
    });
    return app.request('http://127.0.0.1/');
  }

  it('finishes work that outlasts the default deadline', async () => {
    const response = await timed(TIMEOUT_MS * 6, TIMEOUT_MS * 2);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('done');
  });

  it('cannot shorten the deadline', async () => {
    const response = await timed(1, TIMEOUT_MS / 3);
    expect(await response.text()).toBe('done');
  });

  it('still ends at the lengthened deadline', async () => {
    const response = await timed(TIMEOUT_MS * 2, TIMEOUT_MS * 20);
    expect(response.status).toBe(504);
    expect(await response.text()).toBe('UpstreamTimeoutError');
  });
});
