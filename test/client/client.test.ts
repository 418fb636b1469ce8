import { describe, expect, it } from 'vitest';
import { filenameOf } from '../../lib/client/download.js';
import { createMailgateClient, MailgateError } from '../../lib/client/index.js';

/**
 * The client's own behaviour over a scripted fetch (no server): the token on
 * every request, how error answers and network failures surface, the
 * redirect of a large download, change batches. test/client/client-gateway
 * runs it against the real server.
 */

type Answer = Response | ((request: Request) => Response | Promise<Response>);

/** A fetch that records each request and answers the next scripted answer. */
function scripted(...answers: Answer[]) {
  const requests: Request[] = [];
  const fetch = async (request: Request) => {
    requests.push(request);
    const answer = answers.shift();
    if (answer === undefined) throw new Error(`unexpected request ${request.method} ${request.url}`);
    return typeof answer === 'function' ? answer(request) : answer;
  };
  return { requests, fetch };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const problem = (status: number, code: string, extra: Record<string, unknown> = {}) =>
  new Response(
    JSON.stringify({
      type: 'about:blank',
      title: 'Not Found',
      status,
      detail: 'No such message.',
      code,
      ...extra,
    }),
    {
      status,
      headers: { 'content-type': 'application/problem+json' },
    },
  );

const BASE = 'https://mail.example.test';

describe('createMailgateClient', () => {
  it('sends the bearer token on every request, the raw client included', async () => {
    const { requests, fetch } = scripted(json([]), json({ mailboxes: [] }), json([]));
    const client = createMailgateClient({ baseUrl: BASE, token: 'tok-123', fetch });
    await client.accounts();
    await client.mailboxes('me', { counts: true });
    await client.api.GET('/v1/accounts');
    expect(requests.map((r) => r.headers.get('authorization'))).toEqual([
      'Bearer tok-123',
      'Bearer tok-123',
      'Bearer tok-123',
    ]);
    expect(requests[1]!.url).toBe(`${BASE}/v1/accounts/me/mailboxes?counts=true`);
  });

  it('puts a mailbox path in one segment, booleans and header filters in the query', async () => {
    const { requests, fetch } = scripted(json({ messages: [], nextCursor: null, total: 0 }));
    const client = createMailgateClient({ baseUrl: BASE, token: 't', fetch });
    const all = [];
    for await (const m of client.messages('me', 'INBOX/Reports 2026', {
      flagged: true,
      from: 'a&b',
      header: { 'List-Id': 'x' },
    }))
      all.push(m);
    expect(all).toEqual([]);
    expect(requests[0]!.url).toBe(
      `${BASE}/v1/accounts/me/mailboxes/INBOX%2FReports%202026/messages?flagged=true&from=a%26b&header.List-Id=x`,
    );
  });

  it('throws a MailgateError carrying the whole problem', async () => {
    const { fetch } = scripted(problem(404, 'message_not_found', { requestId: 'r-1' }));
    const client = createMailgateClient({ baseUrl: BASE, token: 't', fetch });
    const error = await client.getMessage('me', 'gone').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailgateError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'MailgateError',
      status: 404,
      code: 'message_not_found',
      title: 'Not Found',
      detail: 'No such message.',
      type: 'about:blank',
      problem: { requestId: 'r-1' },
    });
    expect((error as Error).message).toBe('404 message_not_found: No such message.');
  });

  it('surfaces an error answer that is no problem as unexpected_response, its detail bounded', async () => {
    const page = `<html>${'x'.repeat(10_000)}</html>`;
    const { fetch } = scripted(
      new Response(page, { status: 502, statusText: 'Bad Gateway' }),
      new Response(null, { status: 503 }),
    );
    const client = createMailgateClient({ baseUrl: BASE, token: 't', fetch });
    const error = (await client.accounts().catch((e: unknown) => e)) as MailgateError;
    expect(error).toBeInstanceOf(MailgateError);
    expect(error).toMatchObject({ status: 502, code: 'unexpected_response', title: 'Bad Gateway' });
    expect(error.detail).toBe(page.slice(0, 300));
    const empty = (await client.accounts().catch((e: unknown) => e)) as MailgateError;
    expect(empty).toMatchObject({ status: 503, code: 'unexpected_response' });
  });

  it('lets a network failure through as fetch threw it', async () => {
    const failure = new TypeError('fetch failed');
    const client = createMailgateClient({
      baseUrl: BASE,
      token: 't',
      fetch: () => Promise.reject(failure),
    });
    await expect(client.accounts()).rejects.toBe(failure);
  });

  it('follows a download redirect to the streaming endpoint once, with the token', async () => {
    const { requests, fetch } = scripted(
      new Response(null, {
        status: 307,
        headers: { location: 'https://stream.example.test/v1/accounts/me/messages/m1/raw' },
      }),
      new Response('From: a\r\n\r\nbody', {
        headers: {
          'content-type': 'message/rfc822',
          'content-length': '15',
          'content-disposition': 'attachment; filename="m1.eml"',
        },
      }),
    );
    const client = createMailgateClient({
      baseUrl: BASE,
      downloadOrigins: ['https://stream.example.test'],
      token: 'tok',
      fetch,
    });
    const download = await client.downloadRaw('me', 'm1');
    expect(requests.map((r) => [r.url, r.headers.get('authorization'), r.redirect])).toEqual([
      [`${BASE}/v1/accounts/me/messages/m1/raw`, 'Bearer tok', 'manual'],
      ['https://stream.example.test/v1/accounts/me/messages/m1/raw', 'Bearer tok', 'manual'],
    ]);
    expect(download).toMatchObject({ contentType: 'message/rfc822', contentLength: 15, filename: 'm1.eml' });
    expect(await new Response(download.body).text()).toBe('From: a\r\n\r\nbody');
  });

  it('never follows a download redirect from https to http', async () => {
    const { requests, fetch } = scripted(
      new Response(null, {
        status: 307,
        headers: { location: 'http://stream.example.test/v1/accounts/me/messages/m1/raw' },
      }),
    );
    // Even to an origin it was given: the token never goes over plain http from https.
    const client = createMailgateClient({
      baseUrl: BASE,
      downloadOrigins: ['http://stream.example.test'],
      token: 'tok',
      fetch,
    });
    await expect(client.downloadRaw('me', 'm1')).rejects.toMatchObject({
      status: 307,
      code: 'redirect_refused',
      detail: 'the download was redirected from https to http',
    });
    expect(requests).toHaveLength(1);
  });

  it('sends downloads to downloadBaseUrl, everything else to baseUrl', async () => {
    const { requests, fetch } = scripted(new Response('abc'), json({ id: 'm1', flags: [] }));
    const client = createMailgateClient({
      baseUrl: BASE,
      downloadBaseUrl: 'https://stream.example.test/',
      token: 't',
      fetch,
    });
    await client.downloadAttachment('me', 'm1', 'a/1');
    await client.updateFlags('me', 'm1', { set: [] });
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET https://stream.example.test/v1/accounts/me/messages/m1/attachments/a%2F1',
      `PATCH ${BASE}/v1/accounts/me/messages/m1`,
    ]);
    expect(await requests[1]!.json()).toEqual({ flags: { set: [] } });
  });

  it('asks for changes again while hasMore, from the state of the batch before', async () => {
    const batch = (state: string, hasMore: boolean) =>
      json({ state, created: [], updated: [], removed: [state], removedComplete: true, hasMore });
    const { requests, fetch } = scripted(batch('s2', true), batch('s3', false));
    const client = createMailgateClient({ baseUrl: BASE, token: 't', fetch });
    const removed: string[] = [];
    for await (const changes of client.changes('me', 'INBOX', 's1', { maxChanges: 10 }))
      removed.push(...changes.removed);
    expect(removed).toEqual(['s2', 's3']);
    expect(requests.map((r) => new URL(r.url).search)).toEqual([
      '?since=s1&maxChanges=10',
      '?since=s2&maxChanges=10',
    ]);
  });

  it('walks the threads page by page', async () => {
    const thread = (threadId: string) => ({ threadId, messageIds: [], count: 1 });
    const { requests, fetch } = scripted(
      json({ threads: [thread('t1'), thread('t2')], nextCursor: 'c2' }),
      json({ threads: [thread('t3')], nextCursor: null }),
    );
    const client = createMailgateClient({ baseUrl: BASE, token: 't', fetch });
    const ids: string[] = [];
    for await (const t of client.threads('me', '~inbox', { limit: 2 })) ids.push(t.threadId);
    expect(ids).toEqual(['t1', 't2', 't3']);
    expect(requests.map((r) => new URL(r.url).search)).toEqual(['?limit=2', '?limit=2&cursor=c2']);
  });

  it('ends a walk whose server repeats a cursor, rather than looping', async () => {
    const page = () => json({ messages: [], nextCursor: 'c1', total: null });
    const { fetch } = scripted(page(), page(), page());
    const client = createMailgateClient({ baseUrl: BASE, token: 't', fetch });
    const walk = async () => {
      for await (const _ of client.messages('me', 'INBOX')) {
        // nothing to collect
      }
    };
    await expect(walk()).rejects.toThrow(/cursor it had answered before/);
  });

  it('answers null for a message deleted for good (204)', async () => {
    const { requests, fetch } = scripted(new Response(null, { status: 204 }));
    const client = createMailgateClient({ baseUrl: BASE, token: 't', fetch });
    expect(await client.deleteMessage('me', 'm1', { permanent: true })).toBeNull();
    expect(requests[0]!.url).toBe(`${BASE}/v1/accounts/me/messages/m1?permanent=true`);
  });
});

describe('filenameOf (Content-Disposition)', () => {
  it.each([
    ['attachment; filename="plain.txt"', 'plain.txt'],
    ['attachment; filename="r_sum_.pdf"; filename*=UTF-8\'\'r%C3%A9sum%C3%A9.pdf', 'résumé.pdf'],
    ['attachment; filename="a \\"quoted\\" name"', 'a "quoted" name'],
    ['attachment; filename=token.bin', 'token.bin'],
    ['attachment; filename="fallback"; filename*=UTF-8\'\'%E0%A4%A', 'fallback'],
    ['attachment', null],
  ])('%s → %s', (header, name) => {
    expect(filenameOf(header)).toBe(name);
  });
});

/** A body of `total` bytes handed out 16 KiB per pull, counting what was pulled. */
function counted(total: number) {
  const chunk = new Uint8Array(16 * 1024).fill(0x78);
  const counter = { pulled: 0 };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (counter.pulled >= total) return controller.close();
        counter.pulled += chunk.length;
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  return { body, counter };
}

const TEN_MB = 10 * 1024 * 1024;
/** The error-body cap (64 KiB) plus the chunks a reader may have asked for beyond it. */
const MAX_PULLED = 64 * 1024 + 2 * 16 * 1024;
const STREAM = 'https://stream.example.test';
const RAW_PATH = '/v1/accounts/me/messages/m1/raw';

describe('download redirects and the token', () => {
  it('refuses a redirect to an origin it was not given, sending nothing there', async () => {
    const { requests, fetch } = scripted(
      new Response(null, { status: 307, headers: { location: `https://evil.example.test${RAW_PATH}` } }),
      new Response('stolen'),
    );
    const client = createMailgateClient({ baseUrl: BASE, token: 'tok', fetch });
    const error = (await client.downloadRaw('me', 'm1').catch((e: unknown) => e)) as MailgateError;
    expect(error).toBeInstanceOf(MailgateError);
    expect(error).toMatchObject({ status: 307, code: 'redirect_refused' });
    expect(error.message).toMatch(/downloadBaseUrl/);
    expect(error.message).toMatch(/https:\/\/evil\.example\.test/);
    expect(requests.map((r) => r.url)).toEqual([`${BASE}${RAW_PATH}`]);
  });

  it.each([301, 302, 303])('follows no %i, even to its own origin', async (status) => {
    const { requests, fetch } = scripted(
      new Response(null, { status, headers: { location: `${BASE}/elsewhere${RAW_PATH}` } }),
      new Response('body'),
    );
    const client = createMailgateClient({ baseUrl: BASE, token: 'tok', fetch });
    await expect(client.downloadRaw('me', 'm1')).rejects.toMatchObject({
      status,
      code: 'unexpected_response',
    });
    expect(requests).toHaveLength(1);
  });

  it("refuses a redirect whose path does not end with the request's, or that changes the query", async () => {
    const { requests, fetch } = scripted(
      new Response(null, { status: 307, headers: { location: `${BASE}/v1/accounts/me/messages/m2/raw` } }),
      new Response(null, { status: 308, headers: { location: `${BASE}/s${RAW_PATH}?x=1` } }),
      new Response('body'),
    );
    const client = createMailgateClient({ baseUrl: BASE, token: 'tok', fetch });
    await expect(client.downloadRaw('me', 'm1')).rejects.toMatchObject({ code: 'redirect_refused' });
    await expect(client.downloadRaw('me', 'm1')).rejects.toMatchObject({ code: 'redirect_refused' });
    expect(requests).toHaveLength(2);
  });

  it('follows a 307 to the origin of downloadBaseUrl, path kept, with the token', async () => {
    const { requests, fetch } = scripted(
      new Response(null, { status: 307, headers: { location: `${STREAM}/stream${RAW_PATH}` } }),
      new Response('From: a\r\n\r\nbody', { headers: { 'content-type': 'message/rfc822' } }),
    );
    const client = createMailgateClient({
      baseUrl: BASE,
      downloadBaseUrl: `${STREAM}/v2/`,
      token: 'tok',
      fetch,
    });
    const download = await client.downloadRaw('me', 'm1');
    expect(requests.map((r) => [r.url, r.headers.get('authorization')])).toEqual([
      [`${STREAM}/v2${RAW_PATH}`, 'Bearer tok'],
      [`${STREAM}/stream${RAW_PATH}`, 'Bearer tok'],
    ]);
    expect(await new Response(download.body).text()).toBe('From: a\r\n\r\nbody');
  });
});

describe('error bodies', () => {
  it('reads no more of a 10 MB error body than the cap', async () => {
    const { body, counter } = counted(TEN_MB);
    const { fetch } = scripted(
      new Response(body, { status: 500, headers: { 'content-type': 'text/plain' } }),
    );
    const client = createMailgateClient({ baseUrl: BASE, token: 't', fetch });
    const error = (await client.accounts().catch((e: unknown) => e)) as MailgateError;
    expect(error).toMatchObject({ status: 500, code: 'unexpected_response' });
    expect(counter.pulled).toBeLessThanOrEqual(MAX_PULLED);
    expect(error.message.length).toBeLessThan(1000);
  });

  it('reads no more of a download error body than the cap, nor after a redirect', async () => {
    const first = counted(TEN_MB);
    const second = counted(TEN_MB);
    const { fetch } = scripted(
      new Response(first.body, { status: 502 }),
      new Response(null, { status: 307, headers: { location: `${BASE}/stream${RAW_PATH}` } }),
      new Response(second.body, { status: 503 }),
    );
    const client = createMailgateClient({ baseUrl: BASE, token: 't', fetch });
    await expect(client.downloadRaw('me', 'm1')).rejects.toMatchObject({ status: 502 });
    await expect(client.downloadRaw('me', 'm1')).rejects.toMatchObject({ status: 503 });
    expect(first.counter.pulled).toBeLessThanOrEqual(MAX_PULLED);
    expect(second.counter.pulled).toBeLessThanOrEqual(MAX_PULLED);
  });

  it("takes the status from the answer, not from the body's `status`", async () => {
    const { fetch } = scripted(
      new Response(
        JSON.stringify({
          type: 'about:blank',
          title: 'x',
          status: 404,
          detail: 'd',
          code: 'message_not_found',
        }),
        { status: 500, headers: { 'content-type': 'application/problem+json' } },
      ),
    );
    const client = createMailgateClient({ baseUrl: BASE, token: 't', fetch });
    const error = (await client.accounts().catch((e: unknown) => e)) as MailgateError;
    expect(error.status).toBe(500);
    expect(error.message).toBe('500 message_not_found: d');
  });

  it('bounds the title, detail and message of a long problem', async () => {
    const long = 'y'.repeat(50_000);
    const { fetch } = scripted(problem(400, 'invalid_request', { title: long, detail: long, code: long }));
    const client = createMailgateClient({ baseUrl: BASE, token: 't', fetch });
    const error = (await client.accounts().catch((e: unknown) => e)) as MailgateError;
    expect(error.status).toBe(400);
    expect(error.title.length).toBeLessThanOrEqual(300);
    expect(error.detail.length).toBeLessThanOrEqual(1000);
    expect(error.message.length).toBeLessThanOrEqual(1200);
  });
});
