import { describe, expect, it } from 'vitest';
import { buildTestApp, readJson, readProblem, TOKENS } from '../support/http-helpers.js';
import { buildMailData, buildMessage } from '../support/memory-store.js';
import { deliver } from '../support/memory-writes.js';

const INBOX = '/v1/accounts/alpha/mailboxes/INBOX';
const MESSAGES = '/v1/accounts/alpha/messages';

type Changes = {
  state: string;
  created: Array<{ id: string }>;
  updated: Array<{ id: string; flags: string[] }>;
  removed: string[];
  removedComplete: boolean;
  hasMore: boolean;
};

function setup(config: Parameters<typeof buildTestApp>[0] = {}) {
  const data = buildMailData();
  return { ...buildTestApp({ ...config, data }), data };
}

async function stateOf(request: ReturnType<typeof setup>['request']): Promise<string> {
  return (await readJson<{ state: string }>(await request(INBOX))).state;
}

describe('GET …/changes', () => {
  it('reports what was created, updated and removed since a state', async () => {
    const { request, data } = setup();
    const since = await stateOf(request);
    deliver(data, buildMessage({ id: 'i-9', uid: 9, subject: 'New' }));
    await request(`${MESSAGES}/i-1`, { method: 'PATCH', json: { flags: { add: ['\\Seen'] } } });
    await request(`${MESSAGES}/i-2?permanent=true`, { method: 'DELETE' });
    const response = await request(`${INBOX}/changes?since=${since}`);
    expect(response.status).toBe(200);
    const changes = await readJson<Changes>(response);
    expect(changes).toMatchObject({
      updated: [{ id: 'i-1', flags: ['\\Seen'] }],
      removed: ['i-2'],
      removedComplete: true,
      hasMore: false,
    });
    expect(changes.created.map((m) => m.id)).toEqual(['i-9']);
    expect(changes.state).toBe(await stateOf(request));
    const again = await readJson<Changes>(await request(`${INBOX}/changes?since=${changes.state}`));
    expect([...again.created, ...again.updated, ...again.removed]).toEqual([]);
  });

  it('pages with maxChanges and loses nothing', async () => {
    const { request, data } = setup();
    let since = await stateOf(request);
    for (let i = 10; i < 15; i += 1) deliver(data, buildMessage({ id: `i-${i}`, uid: i }));
    const seen: string[] = [];
    for (let page = 0; page < 10; page += 1) {
      const changes = await readJson<Changes>(await request(`${INBOX}/changes?since=${since}&maxChanges=2`));
      seen.push(...changes.created.map((m) => m.id));
      since = changes.state;
      if (!changes.hasMore) break;
    }
    expect(seen).toEqual(['i-10', 'i-11', 'i-12', 'i-13', 'i-14']);
  });

  it('uses a default of 500 changes per answer', async () => {
    const { request, stores } = setup();
    await request(`${INBOX}/changes?since=${await stateOf(request)}`);
    expect(stores.calls.at(-1)!.args[2]).toEqual({ maxChanges: 500 });
  });

  it('answers 409 state_expired when the store cannot compute the delta', async () => {
    const { request } = setup();
    const response = await request(`${INBOX}/changes?since=s999999`);
    expect(response.status).toBe(409);
    expect((await readProblem(response)).code).toBe('state_expired');
  });

  it.each([
    'since=s1&maxChanges=0',
    'since=s1&maxChanges=1001',
    'since=s1&maxChanges=x',
    'since=&maxChanges=2',
    'maxChanges=2',
    `since=${'s'.repeat(201)}`,
  ])('refuses %s with 400 before opening a store', async (query) => {
    const { request, stores } = setup();
    const response = await request(`${INBOX}/changes?${query}`);
    expect(response.status).toBe(400);
    expect(stores.opened).toHaveLength(0);
  });

  it('answers 501 naming the missing CONDSTORE for a server without it, never opening a store', async () => {
    const { request, stores } = setup();
    stores.imapOverrides = { changes: false, wait: false };
    for (const path of [`${INBOX}/changes?since=s1`, `${INBOX}/wait?since=s1&timeout=1`]) {
      const response = await request(path);
      expect(response.status, path).toBe(501);
      const problem = await readProblem(response);
      expect(problem.code).toBe('unsupported_operation');
      expect(problem.detail).toContain('CONDSTORE');
    }
    expect(stores.opened).toHaveLength(0);
  });
});

describe('GET …/wait', () => {
  it.each(['0', '26', 'x', '-1', '2.5', ''])(
    'refuses timeout=%s with 400 before opening a store',
    async (timeout) => {
      const { request, stores } = setup();
      const response = await request(`${INBOX}/wait?since=s1&timeout=${timeout}`);
      expect(response.status).toBe(400);
      expect((await readProblem(response)).code).toBe('invalid_request');
      expect(stores.opened).toHaveLength(0);
    },
  );

  it('refuses a wait without since', async () => {
    const { request } = setup();
    expect((await request(`${INBOX}/wait?timeout=5`)).status).toBe(400);
  });

  it('answers changed: true as soon as another session delivers to the mailbox', async () => {
    const { request, data, stores } = setup();
    const since = await stateOf(request);
    const pending = request(`${INBOX}/wait?since=${since}&timeout=25`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    deliver(data, buildMessage({ id: 'i-20', uid: 20 }));
    const response = await pending;
    expect(response.status).toBe(200);
    const result = await readJson<{ changed: boolean; state: string }>(response);
    expect(result.changed).toBe(true);
    expect(result.state).not.toBe(since);
    expect(stores.opened.at(-1)!.closeCount).toBeGreaterThan(0);
  });

  it('answers at once when the mailbox changed before the wait began', async () => {
    const { request, data } = setup();
    const since = await stateOf(request);
    deliver(data, buildMessage({ id: 'i-21', uid: 21 }));
    const result = await readJson(await request(`${INBOX}/wait?since=${since}&timeout=25`));
    expect(result.changed).toBe(true);
  });

  it('outlasts a request deadline shorter than the wait, answering changed: false', async () => {
    const { request, stores } = setup({ config: { MAILGATE_REQUEST_TIMEOUT_MS: 150 } });
    const since = await stateOf(request);
    const response = await request(`${INBOX}/wait?since=${since}&timeout=1`);
    expect(response.status).toBe(200);
    expect(await readJson(response)).toEqual({ changed: false, state: since });
    const store = stores.opened.at(-1)!;
    expect(store.context.signal.aborted).toBe(false);
    expect(store.waitsEnded).toBe(1);
    expect(store.closeCount).toBeGreaterThan(0);
  });

  it('still ends a wait whose store never answers, at the lengthened deadline', async () => {
    const { request, stores } = setup({ config: { MAILGATE_REQUEST_TIMEOUT_MS: 150 } });
    stores.behaviour.hang = true;
    const started = Date.now();
    const response = await request(`${INBOX}/wait?since=s1&timeout=1`);
    expect(response.status).toBe(504);
    // One second of wait plus the margin, never the 150 ms default.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(stores.opened[0]!.closeCount).toBeGreaterThan(0);
  }, 15_000);

  it('shortens a wait that would outlast the deployment ceiling, so the platform never cuts it off', async () => {
    const { request, stores } = setup({
      config: { MAILGATE_REQUEST_TIMEOUT_MS: 2000, MAILGATE_MAX_REQUEST_MS: 8000 },
    });
    const since = await stateOf(request);
    stores.behaviour.hang = true;
    const started = Date.now();
    const response = await request(`${INBOX}/wait?since=${since}&timeout=25`);
    expect(response.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(8000 + 1000);
    const wait = stores.calls.find((call) => call.method === 'wait');
    expect(wait?.args[2]).toBe(3);
  }, 15_000);

  it('ends when the client goes away, and closes the store', async () => {
    const { app, stores } = setup();
    const since = 's1';
    const client = new AbortController();
    const pending = app.request(`http://127.0.0.1${INBOX}/wait?since=${since}&timeout=25`, {
      headers: { Authorization: `Bearer ${TOKENS.writeAlpha}` },
      signal: client.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stores.calls.map((call) => call.method)).toEqual(['wait']);
    client.abort();
    await Promise.resolve(pending).catch(() => {});
    const store = stores.opened[0]!;
    expect(store.context.signal.aborted).toBe(true);
    expect(store.closeCount).toBeGreaterThan(0);
    expect(store.waitsEnded).toBe(0);
  });
});
