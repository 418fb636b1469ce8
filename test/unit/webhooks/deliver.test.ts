import dns from 'node:dns';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { type DeliveryOptions, deliverEvent, pinnedLookup } from '../../../lib/webhooks/deliver.js';
import { createEvent, eventPayload, type WebhookEvent } from '../../../lib/webhooks/events.js';
import { createWebhookSecret } from '../../../lib/webhooks/signing.js';
import { checkWebhookUrl, type Resolver } from '../../../lib/webhooks/url-guard.js';
import { certificateFor, eventually, type Receiver, startReceiver } from './receiver.js';

let receivers: Receiver[] = [];
let secret: string;
let event: WebhookEvent;

async function receiver(options: Parameters<typeof startReceiver>[0] = {}): Promise<Receiver> {
  const started = await startReceiver(options);
  receivers.push(started);
  return started;
}

beforeEach(() => {
  secret = createWebhookSecret();
  event = createEvent('message.deleted', {
    account: 'acme',
    mailbox: 'INBOX',
    state: 's9',
    ids: ['m1', 'm2'],
  });
});

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(receivers.map((started) => started.close()));
  receivers = [];
});

function deliver(url: string, options: Partial<DeliveryOptions> = {}) {
  return deliverEvent({ url, secret, event, allowPrivate: true, ...options });
}

/**
 * The system resolver, replaced so that a connection which looked its host
 * up itself (an unpinned one) fails here, without any DNS traffic.
 */
function refuseSystemLookup() {
  return vi.spyOn(dns, 'lookup').mockImplementation(((_host: string, ...rest: unknown[]) => {
    const callback = rest.at(-1) as (error: Error) => void;
    process.nextTick(() => callback(Object.assign(new Error('system lookup used'), { code: 'ENOTFOUND' })));
  }) as typeof dns.lookup);
}

/** A resolver answering from a list of answers, one per call (the last one repeats). */
function sequence(...answers: string[][]): Resolver & { calls: number } {
  const resolver = Object.assign(
    async () => {
      resolver.calls += 1;
      return answers[Math.min(resolver.calls, answers.length) - 1]!;
    },
    { calls: 0 },
  );
  return resolver;
}

describe('a delivery', () => {
  test('POSTs the signed JSON body once, with the event id as webhook-id; a 2xx is success', async () => {
    const hook = await receiver();
    hook.handle = (_request, response) => response.writeHead(204).end();
    const result = await deliver(hook.url('/in/acme?k=v'));
    expect(result).toEqual({ ok: true, status: 204 });
    expect(hook.requests).toHaveLength(1);
    const [received] = hook.requests;
    expect(received).toMatchObject({ method: 'POST', path: '/in/acme?k=v', body: eventPayload(event) });
    expect(received!.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'mailgate-webhooks',
      'webhook-id': event.id,
      host: `127.0.0.1:${hook.port}`,
    });
    const verified = new Webhook(secret).verify(received!.body, received!.headers as Record<string, string>);
    expect(verified).toEqual({ type: 'message.deleted', timestamp: event.timestamp, data: event.data });
  });

  test('a retry sends the same webhook-id and body, signed at its own time', async () => {
    const hook = await receiver();
    const first = new Date(Date.now() - 3_600_000);
    await deliver(hook.url(), { now: () => first });
    await deliver(hook.url());
    const [a, b] = hook.requests;
    expect(b!.headers['webhook-id']).toBe(a!.headers['webhook-id']);
    expect(b!.body).toBe(a!.body);
    expect(
      Number(b!.headers['webhook-timestamp']) - Number(a!.headers['webhook-timestamp']),
    ).toBeGreaterThanOrEqual(3599);
    expect(() => new Webhook(secret).verify(a!.body, a!.headers as Record<string, string>)).toThrow(
      'too old',
    );
    expect(() => new Webhook(secret).verify(b!.body, b!.headers as Record<string, string>)).not.toThrow();
  });

  test.each([
    [200, { ok: true, status: 200 }],
    [202, { ok: true, status: 202 }],
    [410, { ok: false, status: 410, error: 'The receiver answered 410 Gone.', retryable: false }],
    [400, { ok: false, status: 400, error: 'The receiver answered 400.', retryable: true }],
    [404, { ok: false, status: 404, error: 'The receiver answered 404.', retryable: true }],
    [429, { ok: false, status: 429, error: 'The receiver answered 429.', retryable: true }],
    [500, { ok: false, status: 500, error: 'The receiver answered 500.', retryable: true }],
    [503, { ok: false, status: 503, error: 'The receiver answered 503.', retryable: true }],
  ])('an answer %i is %o', async (status, expected) => {
    const hook = await receiver();
    hook.handle = (_request, response) =>
      response.writeHead(status).end('{"why":"a receiver body is never quoted"}');
    expect(await deliver(hook.url())).toEqual(expected);
  });

  test('a redirect is not followed: the receiver it points at gets no connection', async () => {
    const hook = await receiver();
    const elsewhere = await receiver();
    hook.handle = (_request, response) => response.writeHead(307, { location: elsewhere.url() }).end();
    expect(await deliver(hook.url())).toEqual({
      ok: false,
      status: 307,
      error: 'The receiver answered 307 (redirects are not followed).',
      retryable: true,
    });
    expect(elsewhere.connections).toBe(0);
  });

  test('a receiver that never answers is given up after timeoutMs, its connection closed', async () => {
    const hook = await receiver();
    hook.handle = () => {};
    const started = Date.now();
    const result = await deliver(hook.url(), { timeoutMs: 300 });
    expect(result).toEqual({ ok: false, error: 'Timed out after 300 ms.', retryable: true });
    expect(Date.now() - started).toBeLessThan(2000);
    await eventually(() => hook.closed === 1);
  });

  test('a lookup that never answers counts against the same deadline', async () => {
    const hook = await receiver();
    const result = await deliver(`http://slow-dns.test:${hook.port}/`, {
      resolve: () => new Promise<string[]>(() => {}),
      timeoutMs: 200,
    });
    expect(result).toEqual({ ok: false, error: 'Timed out after 200 ms.', retryable: true });
    expect(hook.connections).toBe(0);
  });

  test('a 2xx whose body never ends is a success, ended by the clock', async () => {
    const hook = await receiver();
    hook.handle = (_request, response) => {
      response.writeHead(200);
      response.write('a');
    };
    expect(await deliver(hook.url(), { timeoutMs: 300 })).toEqual({ ok: true, status: 200 });
    await eventually(() => hook.closed === 1);
  });

  test('an answer cut short after its status line keeps its status', async () => {
    const hook = await receiver();
    hook.handle = (request, response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write('partial', () => request.socket.destroy());
    };
    expect(await deliver(hook.url())).toEqual({ ok: true, status: 200 });
    hook.handle = (request, response) => {
      response.writeHead(502, { 'content-length': '100' });
      response.write('partial', () => request.socket.destroy());
    };
    expect(await deliver(hook.url())).toEqual({
      ok: false,
      status: 502,
      error: 'The receiver answered 502.',
      retryable: true,
    });
  });

  test('an endless answer is read to maxResponseBytes, then the connection is closed', async () => {
    const hook = await receiver();
    let written = 0;
    hook.handle = (_request, response) => {
      response.writeHead(500);
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const pump = () => {
        let more = true;
        while (more && !response.destroyed) {
          more = response.write(chunk);
          written += chunk.length;
        }
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
    };
    const started = Date.now();
    const result = await deliver(hook.url(), { maxResponseBytes: 64 * 1024, timeoutMs: 10_000 });
    // Long before the deadline: the cap ended it, not the clock.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result).toEqual({ ok: false, status: 500, error: 'The receiver answered 500.', retryable: true });
    await eventually(() => hook.closed === 1);
    expect(written).toBeGreaterThan(64 * 1024);
  });

  test('a refused connection, a reset and a malformed answer are retryable, described without the URL', async () => {
    const hook = await receiver();
    const port = hook.port;
    await hook.close();
    receivers = [];
    expect(await deliver(`http://127.0.0.1:${port}/SECRET?t=SECRET`)).toEqual({
      ok: false,
      error: 'The receiver refused the connection.',
      retryable: true,
    });
    const reset = await receiver();
    reset.handle = (request) => request.socket.destroy();
    expect(await deliver(reset.url('/SECRET'))).toEqual({
      ok: false,
      error: 'The receiver closed the connection before answering.',
      retryable: true,
    });
    const garbage = await receiver();
    garbage.handle = (request) => request.socket.end('NOT HTTP\r\n\r\n');
    expect(await deliver(garbage.url('/SECRET'))).toEqual({
      ok: false,
      error: 'The receiver sent a malformed HTTP answer.',
      retryable: true,
    });
  });

  test("the caller's AbortSignal cancels it", async () => {
    const hook = await receiver();
    hook.handle = () => {};
    const controller = new AbortController();
    const pending = deliver(hook.url(), { signal: controller.signal });
    await eventually(() => hook.requests.length === 1);
    controller.abort();
    expect(await pending).toEqual({ ok: false, error: 'The delivery was cancelled.', retryable: true });
    await eventually(() => hook.closed === 1);
    const aborted = AbortSignal.abort();
    expect(await deliver(hook.url(), { signal: aborted })).toMatchObject({ ok: false, retryable: true });
    expect(hook.connections).toBe(1);
  });

  test('a malformed stored secret fails for good, and nothing is sent', async () => {
    const hook = await receiver();
    expect(await deliver(hook.url(), { secret: 'whsec_short' })).toEqual({
      ok: false,
      error: 'The stored signing secret is malformed.',
      retryable: false,
    });
    expect(hook.connections).toBe(0);
  });
});

describe('SSRF at delivery', () => {
  test('loopback without allowPrivate: refused for good, no connection made', async () => {
    const hook = await receiver();
    const result = await deliver(`https://127.0.0.1:${hook.port}/SECRET?token=SECRET`, {
      allowPrivate: false,
    });
    expect(result).toEqual({
      ok: false,
      error: 'The webhook address 127.0.0.1 is a loopback address; webhooks may only call public addresses.',
      retryable: false,
    });
    expect(hook.connections).toBe(0);
  });

  test('plain http without allowPrivate is refused before any lookup', async () => {
    const resolve = sequence(['93.184.216.34']);
    expect(await deliver('http://hooks.example.com/', { allowPrivate: false, resolve })).toMatchObject({
      ok: false,
      error: 'The webhook URL must use https.',
      retryable: false,
    });
    expect(resolve.calls).toBe(0);
  });

  test('the metadata address is refused even with allowPrivate', async () => {
    const resolve = sequence(['169.254.169.254']);
    expect(await deliver('http://metadata.example/latest/', { resolve })).toEqual({
      ok: false,
      error:
        'The webhook host metadata.example resolves to 169.254.169.254, a cloud metadata address, which webhooks may never call.',
      retryable: true,
    });
  });

  test('DNS rebinding: public when the webhook was created, loopback at delivery → refused, no connection', async () => {
    const hook = await receiver();
    const resolve = sequence(['93.184.216.34'], ['127.0.0.1']);
    const url = `https://rebind.example:${hook.port}/in`;
    await expect(checkWebhookUrl(url, { allowPrivate: false, resolve })).resolves.toMatchObject({
      addresses: ['93.184.216.34'],
    });
    const result = await deliver(url, { allowPrivate: false, resolve });
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result).toHaveProperty(
      'error',
      expect.stringContaining('resolves to 127.0.0.1, a loopback address'),
    );
    expect(hook.connections).toBe(0);
  });

  test('the host is resolved once and the connection pinned to that answer: a later answer is never used', async () => {
    const checked = await receiver({ host: '127.0.0.1' });
    const other = await receiver({ host: '::1', port: checked.port });
    const resolve = sequence(['127.0.0.1'], ['::1']);
    const systemLookup = refuseSystemLookup();
    const result = await deliver(`http://rebind.test:${checked.port}/in`, { resolve });
    expect(result).toEqual({ ok: true, status: 200 });
    expect(resolve.calls).toBe(1);
    expect(systemLookup).not.toHaveBeenCalled();
    expect(checked.requests).toHaveLength(1);
    expect(checked.requests[0]!.headers.host).toBe(`rebind.test:${checked.port}`);
    expect(other.connections).toBe(0);
  });

  test('https to a name: TLS is verified for the name (SNI and Host are the name), though the address was pinned', async () => {
    const certificate = certificateFor('receiver.test');
    const hook = await receiver({ tls: certificate, urlHost: 'receiver.test' });
    const systemLookup = refuseSystemLookup();
    const resolve = sequence(['127.0.0.1']);
    // Against the system's roots the self-signed certificate fails, and the error says why.
    expect(await deliver(hook.url(), { resolve })).toEqual({
      ok: false,
      error: 'TLS failed (DEPTH_ZERO_SELF_SIGNED_CERT).',
      retryable: true,
    });
    expect(await deliver(hook.url(), { resolve, ca: certificate.cert })).toEqual({ ok: true, status: 200 });
    expect(hook.requests[0]).toMatchObject({ servername: 'receiver.test' });
    expect(hook.requests[0]!.headers.host).toBe(`receiver.test:${hook.port}`);
    expect(systemLookup).not.toHaveBeenCalled();
  });

  test('https to a name whose certificate names another host fails: the pinned address does not weaken TLS', async () => {
    const certificate = certificateFor('other.test');
    const hook = await receiver({ tls: certificate, urlHost: 'receiver.test' });
    expect(await deliver(hook.url(), { resolve: sequence(['127.0.0.1']), ca: certificate.cert })).toEqual({
      ok: false,
      error: 'TLS failed (ERR_TLS_CERT_ALTNAME_INVALID).',
      retryable: true,
    });
    expect(hook.requests).toHaveLength(0);
  });
});

describe('pinnedLookup', () => {
  const lookup = pinnedLookup(['127.0.0.1', '::1']);
  const ask = (options: dns.LookupOptions) =>
    new Promise<unknown[]>((resolve) => lookup('anything.example', options, (...args) => resolve(args)));

  test('answers the checked addresses whatever name it is asked for', async () => {
    expect(await ask({})).toEqual([null, '127.0.0.1', 4]);
    expect(await ask({ all: true })).toEqual([
      null,
      [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ],
    ]);
  });

  test('honours a family filter, and fails rather than answer another family', async () => {
    expect(await ask({ family: 6 })).toEqual([null, '::1', 6]);
    expect(await ask({ family: 4, all: true })).toEqual([null, [{ address: '127.0.0.1', family: 4 }]]);
    const [error] = await new Promise<unknown[]>((resolve) =>
      pinnedLookup(['127.0.0.1'])('x', { family: 6 }, (...args) => resolve(args)),
    );
    expect(error).toMatchObject({ code: 'ENOTFOUND' });
  });
});
