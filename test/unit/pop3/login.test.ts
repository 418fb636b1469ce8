import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPop3Client } from '../../../lib/pop3/client.js';
import { type FakePop3Server, startFakePop3Server } from '../../support/fake-pop3-server.js';
import { createTestCertificate } from '../../support/test-certificate.js';
import { buildClientOptions, connectClient } from './build-client.js';

let server: FakePop3Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

let tls: { key: string; cert: string };
beforeAll(() => {
  tls = createTestCertificate();
});

const messages = [{ uid: 'one', raw: Buffer.from('Subject: one\r\n\r\nbody\r\n') }];

describe('login', () => {
  it('logs in with AUTH PLAIN in one command when the server offers it', async () => {
    server = await startFakePop3Server({ messages });
    const client = await connectClient(server);
    expect(await client.stat()).toEqual({ count: 1, size: messages[0]!.raw.length });
    expect(server.sessions[0]!.commands.slice(0, 2)).toEqual(['CAPA', expect.stringMatching(/^AUTH PLAIN /)]);
    await client.quit();
  });

  it('falls back to USER/PASS, pipelined in one write when allowed', async () => {
    server = await startFakePop3Server({ messages, sasl: [] });
    const client = await connectClient(server);
    const session = server.sessions[0]!;
    expect(session.commands.slice(1, 3)).toEqual(['USER alice', 'PASS secret']);
    expect(session.reads.some((read) => read.toString() === 'USER alice\r\nPASS secret\r\n')).toBe(true);
    await client.quit();
  });

  it('uses APOP only when asked to and the greeting carries a timestamp', async () => {
    server = await startFakePop3Server({ messages, greeting: 'ready <1896.697170952@dbc.mtview.ca.us>' });
    const client = await connectClient(server, { preferApop: true });
    expect(server.sessions[0]!.commands[1]).toMatch(/^APOP alice [0-9a-f]{32}$/);
    await client.quit();
  });

  it.each([
    ['a wrong password', { password: 'wrong' }, {}, 'upstream_auth_failed'],
    ['a wrong password over USER/PASS', { password: 'wrong' }, { sasl: [] }, 'upstream_auth_failed'],
    ['a locked mailbox', {}, { loginReply: '-ERR [IN-USE] locked' }, 'upstream_throttled'],
    ['a login delay', {}, { loginReply: '-ERR [LOGIN-DELAY] wait' }, 'upstream_throttled'],
    ['a temporary server problem', {}, { loginReply: '-ERR [SYS/TEMP] try later' }, 'upstream_throttled'],
    ['a plain refusal', {}, { loginReply: '-ERR no' }, 'upstream_auth_failed'],
  ])('%s fails as %s without revealing credentials', async (_, clientOverrides, serverOptions, code) => {
    server = await startFakePop3Server({ messages, ...serverOptions });
    const client = createPop3Client(buildClientOptions(server, clientOverrides));
    const error = await client.connect().then(
      () => null,
      (failure: unknown) => failure as Error & { code: string; detail: string },
    );
    expect(error?.code).toBe(code);
    expect(JSON.stringify({ message: error?.message, detail: error?.detail })).not.toMatch(
      /secret|wrong|alice/,
    );
    await server.sessions[0]!.closed;
  });

  it('logs in with OAUTHBEARER when CAPA lists it: GS2 header, host and port, the bearer token (RFC 7628 §3.1)', async () => {
    server = await startFakePop3Server({ messages, sasl: ['PLAIN', 'XOAUTH2', 'OAUTHBEARER'] });
    const client = createPop3Client(
      buildClientOptions(server, { user: 'al,i=ce', password: undefined, accessToken: 'tok-1' }),
    );
    // The fake server checks PLAIN only: the token is refused, which is all this test needs.
    await expect(client.connect()).rejects.toMatchObject({ code: 'upstream_auth_failed' });
    expect(client.loginRefused).toBe(true);
    const [capa, auth] = server.sessions[0]!.commands;
    expect(capa).toBe('CAPA');
    const [verb, mechanism, payload] = auth!.split(' ');
    expect([verb, mechanism]).toEqual(['AUTH', 'OAUTHBEARER']);
    expect(Buffer.from(payload!, 'base64').toString('utf8')).toBe(
      `n,a=al=2Ci=3Dce,\x01host=127.0.0.1\x01port=${server.port}\x01auth=Bearer tok-1\x01\x01`,
    );
  });

  it.each([
    ['lists XOAUTH2 but not OAUTHBEARER', ['PLAIN', 'XOAUTH2']],
    ['lists no SASL at all', []],
  ])('logs in with XOAUTH2 when CAPA %s', async (_name, sasl) => {
    server = await startFakePop3Server({ messages, sasl });
    const client = createPop3Client(
      buildClientOptions(server, { password: undefined, accessToken: 'tok-1' }),
    );
    await expect(client.connect()).rejects.toMatchObject({ code: 'upstream_auth_failed' });
    const auth = server.sessions[0]!.commands[1]!.split(' ');
    expect(auth.slice(0, 2)).toEqual(['AUTH', 'XOAUTH2']);
    expect(Buffer.from(auth[2]!, 'base64').toString('utf8')).toBe('user=alice\x01auth=Bearer tok-1\x01\x01');
  });

  it.each([
    ['a user name', { user: 'alice\x01auth=Bearer stolen' }],
    ['an access token', { accessToken: 'tok\x01host=elsewhere' }],
  ])(
    'never sends %s with a control character (it would frame SASL fields of its own)',
    async (_name, overrides) => {
      server = await startFakePop3Server({ messages, sasl: ['OAUTHBEARER'] });
      const client = createPop3Client(
        buildClientOptions(server, { password: undefined, accessToken: 'tok-1', ...overrides }),
      );
      const error = await client.connect().then(
        () => null,
        (failure: unknown) => failure as Error & { code: string; detail: string },
      );
      expect(error?.code).toBe('internal_error');
      expect(error?.detail).toMatch(/control characters/);
      expect(error?.detail).not.toMatch(/stolen|elsewhere|tok-1/);
      expect(client.loginRefused).toBe(false);
      expect(server.sessions[0]!.commands).toEqual(['CAPA']);
    },
  );

  it('a locked mailbox is not a refused login: a refreshed token would not help', async () => {
    server = await startFakePop3Server({ messages, sasl: ['XOAUTH2'], loginReply: '-ERR [IN-USE] locked' });
    const client = createPop3Client(
      buildClientOptions(server, { password: undefined, accessToken: 'tok-1' }),
    );
    await expect(client.connect()).rejects.toMatchObject({ code: 'upstream_throttled' });
    expect(client.loginRefused).toBe(false);
  });

  it('refuses to log in when starttls is required and the server does not offer STLS', async () => {
    server = await startFakePop3Server({ messages, stls: false });
    const client = createPop3Client(buildClientOptions(server, { tls: 'starttls', allowPlaintext: false }));
    await expect(client.connect()).rejects.toMatchObject({ code: 'upstream_unavailable' });
    await server.sessions[0]!.closed;
    // Nothing but CAPA went out: no user name, no password in clear text.
    expect(server.sessions[0]!.commands).toEqual(['CAPA']);
  });

  it('upgrades with STLS, verifies the certificate, then logs in over TLS', async () => {
    server = await startFakePop3Server({ messages, stls: true, tls });
    const client = await connectClient(server, { tls: 'starttls', tlsOptions: { ca: tls.cert } });
    expect(await client.stat()).toMatchObject({ count: 1 });
    // CAPA again after TLS (RFC 2595 §4), and the login only after it.
    expect(server.sessions[0]!.commands.slice(0, 3)).toEqual(['CAPA', 'STLS', 'CAPA']);
    await client.quit();
  });

  it('fails the STLS handshake against an untrusted certificate', async () => {
    server = await startFakePop3Server({ messages, stls: true, tls });
    const client = createPop3Client(buildClientOptions(server, { tls: 'starttls' }));
    await expect(client.connect()).rejects.toMatchObject({ code: 'upstream_unavailable' });
    expect(server.sessions[0]!.commands).toEqual(['CAPA', 'STLS']);
  });

  it('refuses a plaintext account that does not say allowPlaintext', async () => {
    server = await startFakePop3Server({ messages });
    const client = createPop3Client(buildClientOptions(server, { allowPlaintext: false }));
    await expect(client.connect()).rejects.toMatchObject({ code: 'internal_error' });
    expect(server.sessions).toHaveLength(0);
  });
});
