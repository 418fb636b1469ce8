import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsentIo, runConsent } from '../../../lib/admin/oauth/consent-flow.js';
import { planConsent } from '../../../lib/admin/oauth/consent-plan.js';
import { startLoopbackReceiver } from '../../../lib/admin/oauth/loopback-receiver.js';
import { type FakeIdp, startFakeIdp } from '../../support/fake-idp/index.js';
import { startTokenProxy } from './oauth-cli-kit.js';

let idp: FakeIdp;

beforeAll(async () => {
  idp = await startFakeIdp();
});
afterAll(() => idp.close());

/** A GET with a Host header of our choosing (fetch does not let a page set it; a rebinding page has its own). */
function get(url: string, host?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        headers: host ? { host } : {},
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the loopback receiver', () => {
  it('takes the first GET /callback with its own Host only, and answers everything else without taking it', async () => {
    const receiver = await startLoopbackReceiver();
    try {
      const { port } = new URL(receiver.redirectUri);
      expect(receiver.redirectUri).toBe(`http://127.0.0.1:${port}/callback`);
      const waiting = receiver.callback(AbortSignal.timeout(5000));

      expect((await get(`${receiver.redirectUri}?code=a&state=b`, `rebound.example:${port}`)).status).toBe(
        400,
      );
      expect((await get(`${receiver.redirectUri}?code=a&state=b`, `localhost:${port}`)).status).toBe(400);
      expect((await get(`http://127.0.0.1:${port}/favicon.ico`)).status).toBe(404);

      const browser = get(`${receiver.redirectUri}?code=real&state=s`);
      const url = await waiting;
      expect(url.searchParams.get('code')).toBe('real');
      const second = await get(`${receiver.redirectUri}?code=late&state=s`);
      expect(second.status).toBe(409);

      await receiver.finish({ ok: true });
      const page = await browser;
      expect(page.status).toBe(200);
      expect(page.body).toContain('You can close this tab');
      await expect(get(receiver.redirectUri)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await receiver.close();
    }
  });

  it('with a state, answers a callback of another state 400 without taking it', async () => {
    const receiver = await startLoopbackReceiver({ state: 'expected' });
    try {
      const waiting = receiver.callback(AbortSignal.timeout(5000));
      expect((await get(`${receiver.redirectUri}?code=a&state=other`)).status).toBe(400);
      expect((await get(`${receiver.redirectUri}?code=a`)).status).toBe(400);
      const browser = get(`${receiver.redirectUri}?code=real&state=expected`);
      expect((await waiting).searchParams.get('code')).toBe('real');
      await receiver.finish({ ok: true });
      expect((await browser).status).toBe(200);
    } finally {
      await receiver.close();
    }
  });

  it('answers a browser still waiting when it is closed, and stops waiting on abort', async () => {
    const receiver = await startLoopbackReceiver();
    const controller = new AbortController();
    const waiting = receiver.callback(controller.signal);
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');

    const held = await startLoopbackReceiver();
    const browser = get(`${held.redirectUri}?code=x&state=y`);
    await held.callback(AbortSignal.timeout(5000));
    await held.close();
    expect((await browser).status).toBe(500);
    await receiver.close();
    await expect(get(receiver.redirectUri)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

/** A clock that only moves when the flow sleeps, recording each sleep. */
function fakeClock(): ConsentIo & { sleeps: number[]; shown: string[][] } {
  let now = 1_000_000;
  const sleeps: number[] = [];
  const shown: string[][] = [];
  return {
    sleeps,
    shown,
    show: (_help, ...values) => void shown.push(values),
    note: () => undefined,
    ask: () => Promise.reject(new Error('no questions expected')),
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    now: () => now,
  };
}

describe('the device flow (RFC 8628)', () => {
  async function deviceConsent(clientId: string, rewriteFirstPending?: string, expiresIn?: number) {
    await idp.control.configureClient({ clientId, consentUser: 'dev@example.test' });
    let rewritten = false;
    const proxy = await startTokenProxy(`${idp.url}/token`, (answer, status) => {
      if (rewriteFirstPending && !rewritten && answer.error === 'authorization_pending') {
        rewritten = true;
        return { status, body: { error: rewriteFirstPending } };
      }
      return { status, body: answer };
    });
    const device = await startTokenProxy(`${idp.url}/device`, (answer, status) => ({
      status,
      body: expiresIn === undefined ? answer : { ...answer, expires_in: expiresIn },
    }));
    const io = fakeClock();
    try {
      const plan = planConsent({
        provider: 'custom',
        clientId,
        authorizeUrl: `${idp.url}/authorize`,
        tokenUrl: proxy.url,
        deviceUrl: device.url,
        scopes: ['openid', 'email', 'offline_access'],
      });
      const result = await runConsent(plan, { mode: 'device', timeoutMs: 10_000, protocol: 'imap' }, io);
      return { result, io };
    } finally {
      await proxy.close();
      await device.close();
    }
  }

  it('polls at the interval the provider gave while the authorization is pending', async () => {
    const { result, io } = await deviceConsent('device-pending');
    expect(io.sleeps).toEqual([1000, 1000]);
    expect(io.shown[0]?.[0]).toBe(`${idp.url}/device/verify`);
    expect(result.claims?.email).toBe('dev@example.test');
    expect((await idp.control.stats('device-pending')).liveRefreshTokens).toEqual([result.refreshToken]);
  });

  it('polls 5 s slower after slow_down', async () => {
    const { io } = await deviceConsent('device-slow', 'slow_down');
    expect(io.sleeps).toEqual([1000, 6000]);
  });

  it('gives up when the device code expires', async () => {
    await expect(deviceConsent('device-expired', undefined, 1)).rejects.toThrow(
      'the device code expired before the sign-in completed',
    );
    expect((await idp.control.stats('device-expired')).tokenRequests).toBe(0);
  });

  it('stops at the first other error', async () => {
    await expect(deviceConsent('device-denied', 'access_denied')).rejects.toThrow(
      /token endpoint answered HTTP 400 \(access_denied\)/,
    );
  });
});
