import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeIdpControl } from './control.js';
import type { FakeIdpClientSettings, FakeIdpGrant, FakeIdpStats } from './types.js';

/** What the fake identity provider serves; see types.ts for the endpoints. */
export interface FakeIdp {
  /** `http://127.0.0.1:<port>`, also the issuer. */
  url: string;
  control: FakeIdpControl;
  close(): Promise<void>;
}

interface ClientState {
  settings: FakeIdpClientSettings;
  stats: Omit<FakeIdpStats, 'liveRefreshTokens'>;
}

interface RefreshRecord {
  clientId: string;
  user: string;
  scope: string;
  live: boolean;
}

interface AccessRecord {
  clientId: string;
  user: string;
  scope: string;
  expiresAtMs: number;
  live: boolean;
}

interface CodeRecord {
  clientId: string;
  user: string;
  scope: string;
  redirectUri: string;
  challenge: string;
  nonce?: string;
  used: boolean;
}

interface DeviceRecord {
  clientId: string;
  user: string;
  scope: string;
  polls: number;
  used: boolean;
}

const DEFAULT_CONSENT_USER = 'consent-user@example.test';
const MAX_BODY_BYTES = 64 * 1024;

function token(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** RFC 8252 §7.3: a loopback redirect on any port. */
function isLoopbackRedirect(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === '[::1]');
  } catch {
    return false;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function oauthError(response: ServerResponse, status: number, error: string, description?: string): void {
  sendJson(response, status, { error, ...(description ? { error_description: description } : {}) });
}

/**
 * The fake provider's state and protocol logic, separate from the HTTP
 * plumbing so every behaviour is one method.
 */
class Provider {
  readonly clients = new Map<string, ClientState>();
  readonly refreshTokens = new Map<string, RefreshRecord>();
  readonly accessTokens = new Map<string, AccessRecord>();
  readonly codes = new Map<string, CodeRecord>();
  readonly deviceCodes = new Map<string, DeviceRecord>();
  readonly #privateKey: KeyObject;
  readonly jwk: Record<string, unknown>;
  issuer = '';

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#privateKey = privateKey;
    this.jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'fake-1', alg: 'RS256', use: 'sig' };
  }

  client(clientId: string): ClientState {
    let state = this.clients.get(clientId);
    if (!state) {
      state = {
        settings: { clientId },
        stats: { refreshGrants: 0, codeGrants: 0, deviceGrants: 0, tokenRequests: 0, introspections: 0 },
      };
      this.clients.set(clientId, state);
    }
    return state;
  }

  configure(settings: FakeIdpClientSettings): void {
    const state = this.client(settings.clientId);
    state.settings = { ...state.settings, ...settings };
  }

  issue(
    clientId: string,
    user: string,
    scope: string,
    withRefresh: boolean,
  ): { accessToken: string; refreshToken?: string; expiresIn: number } {
    const ttl = this.client(clientId).settings.accessTokenTtlSeconds ?? 3600;
    const accessToken = token('at');
    this.accessTokens.set(accessToken, {
      clientId,
      user,
      scope,
      expiresAtMs: Date.now() + ttl * 1000,
      live: true,
    });
    if (!withRefresh) return { accessToken, expiresIn: ttl };
    const refreshToken = token('rt');
    this.refreshTokens.set(refreshToken, { clientId, user, scope, live: true });
    return { accessToken, refreshToken, expiresIn: ttl };
  }

  grant(clientId: string, user: string, scopes: string[] | undefined, ttl?: number): FakeIdpGrant {
    const state = this.client(clientId);
    const previousTtl = state.settings.accessTokenTtlSeconds;
    if (ttl !== undefined) state.settings.accessTokenTtlSeconds = ttl;
    const issued = this.issue(clientId, user, (scopes ?? ['mail']).join(' '), true);
    state.settings.accessTokenTtlSeconds = previousTtl;
    return {
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken!,
      expiresAt: new Date(Date.now() + issued.expiresIn * 1000).toISOString(),
    };
  }

  idToken(clientId: string, user: string, nonce?: string): string {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url({ alg: 'RS256', typ: 'JWT', kid: 'fake-1' });
    const payload = base64url({
      iss: this.issuer,
      aud: clientId,
      sub: createHash('sha256').update(user).digest('hex').slice(0, 24),
      email: user,
      preferred_username: user,
      iat: now,
      exp: now + 3600,
      ...(nonce ? { nonce } : {}),
    });
    const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), this.#privateKey);
    return `${header}.${payload}.${signature.toString('base64url')}`;
  }

  stats(clientId: string): FakeIdpStats {
    const state = this.client(clientId);
    const liveRefreshTokens = [...this.refreshTokens]
      .filter(([, record]) => record.clientId === clientId && record.live)
      .map(([value]) => value);
    return { ...state.stats, liveRefreshTokens };
  }
}

/** Client authentication: basic or post when the client has a secret; a public client sends its id. */
function authenticateClient(
  provider: Provider,
  request: IncomingMessage,
  form: URLSearchParams,
): { clientId: string } | { error: string } {
  let clientId = form.get('client_id') ?? undefined;
  let secret = form.get('client_secret') ?? undefined;
  const header = request.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    clientId = decodeURIComponent(decoded.slice(0, colon));
    secret = decodeURIComponent(decoded.slice(colon + 1));
  }
  if (!clientId) return { error: 'invalid_client' };
  const expected = provider.client(clientId).settings.clientSecret;
  if (expected !== undefined && secret !== expected) return { error: 'invalid_client' };
  return { clientId };
}

function tokenAnswer(
  provider: Provider,
  clientId: string,
  user: string,
  scope: string,
  options: { refresh: 'new' | 'none'; idToken: boolean; nonce?: string },
): Record<string, unknown> {
  const issued = provider.issue(clientId, user, scope, options.refresh === 'new');
  return {
    access_token: issued.accessToken,
    token_type: 'Bearer',
    expires_in: issued.expiresIn,
    scope,
    ...(issued.refreshToken ? { refresh_token: issued.refreshToken } : {}),
    ...(options.idToken ? { id_token: provider.idToken(clientId, user, options.nonce) } : {}),
  };
}

async function handleToken(provider: Provider, request: IncomingMessage, response: ServerResponse) {
  const form = new URLSearchParams(await readBody(request));
  const auth = authenticateClient(provider, request, form);
  if ('error' in auth) return oauthError(response, 401, auth.error);
  const state = provider.client(auth.clientId);
  state.stats.tokenRequests += 1;
  const { delayMs, failNext } = state.settings;
  if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
  if (failNext && failNext.count > 0) {
    failNext.count -= 1;
    response.writeHead(failNext.status, { 'content-type': 'text/plain' });
    response.end('temporarily unavailable');
    return;
  }
  const grantType = form.get('grant_type');
  if (grantType === 'refresh_token') {
    const presented = form.get('refresh_token') ?? '';
    const record = provider.refreshTokens.get(presented);
    if (!record?.live || record.clientId !== auth.clientId) return oauthError(response, 400, 'invalid_grant');
    state.stats.refreshGrants += 1;
    const rotate = state.settings.rotateRefreshTokens === true;
    if (rotate) record.live = false;
    const answer = tokenAnswer(provider, auth.clientId, record.user, record.scope, {
      refresh: rotate || state.settings.reissueRefreshTokens === true ? 'new' : 'none',
      idToken: false,
    });
    return sendJson(response, 200, answer);
  }
  if (grantType === 'authorization_code') {
    const code = provider.codes.get(form.get('code') ?? '');
    if (!code || code.used || code.clientId !== auth.clientId)
      return oauthError(response, 400, 'invalid_grant');
    code.used = true;
    if (form.get('redirect_uri') !== code.redirectUri) return oauthError(response, 400, 'invalid_grant');
    const verifier = form.get('code_verifier') ?? '';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    if (challenge !== code.challenge)
      return oauthError(response, 400, 'invalid_grant', 'PKCE verification failed');
    state.stats.codeGrants += 1;
    return sendJson(
      response,
      200,
      tokenAnswer(provider, auth.clientId, code.user, code.scope, {
        refresh: 'new',
        idToken: true,
        nonce: code.nonce,
      }),
    );
  }
  if (grantType === 'urn:ietf:params:oauth:grant-type:device_code') {
    const device = provider.deviceCodes.get(form.get('device_code') ?? '');
    if (!device || device.used || device.clientId !== auth.clientId) {
      return oauthError(response, 400, 'invalid_grant');
    }
    device.polls += 1;
    if (device.polls === 1) return oauthError(response, 400, 'authorization_pending');
    device.used = true;
    state.stats.deviceGrants += 1;
    return sendJson(
      response,
      200,
      tokenAnswer(provider, auth.clientId, device.user, device.scope, { refresh: 'new', idToken: true }),
    );
  }
  return oauthError(response, 400, 'unsupported_grant_type');
}

function handleAuthorize(provider: Provider, url: URL, response: ServerResponse): void {
  const params = url.searchParams;
  const clientId = params.get('client_id') ?? '';
  const redirectUri = params.get('redirect_uri') ?? '';
  if (!clientId || !isLoopbackRedirect(redirectUri)) {
    oauthError(response, 400, 'invalid_request', 'client_id and a loopback redirect_uri are required');
    return;
  }
  const target = new URL(redirectUri);
  const state = params.get('state');
  if (state !== null) target.searchParams.set('state', state);
  target.searchParams.set('iss', provider.issuer);
  const challenge = params.get('code_challenge');
  if (
    params.get('response_type') !== 'code' ||
    !challenge ||
    params.get('code_challenge_method') !== 'S256'
  ) {
    target.searchParams.set('error', 'invalid_request');
  } else {
    const code = token('code');
    const user =
      params.get('login_hint') || (provider.client(clientId).settings.consentUser ?? DEFAULT_CONSENT_USER);
    provider.codes.set(code, {
      clientId,
      user,
      scope: params.get('scope') ?? '',
      redirectUri,
      challenge,
      nonce: params.get('nonce') ?? undefined,
      used: false,
    });
    target.searchParams.set('code', code);
  }
  response.writeHead(302, { location: target.toString() });
  response.end();
}

async function handleDevice(provider: Provider, request: IncomingMessage, response: ServerResponse) {
  const form = new URLSearchParams(await readBody(request));
  const auth = authenticateClient(provider, request, form);
  if ('error' in auth) return oauthError(response, 401, auth.error);
  const deviceCode = token('dc');
  const userCode = randomBytes(4).toString('hex').toUpperCase();
  provider.deviceCodes.set(deviceCode, {
    clientId: auth.clientId,
    user: provider.client(auth.clientId).settings.consentUser ?? DEFAULT_CONSENT_USER,
    scope: form.get('scope') ?? '',
    polls: 0,
    used: false,
  });
  sendJson(response, 200, {
    device_code: deviceCode,
    user_code: userCode,
    verification_uri: `${provider.issuer}/device/verify`,
    expires_in: 600,
    interval: 1,
  });
}

async function handleIntrospect(provider: Provider, request: IncomingMessage, response: ServerResponse) {
  const form = new URLSearchParams(await readBody(request));
  const record = provider.accessTokens.get(form.get('token') ?? '');
  if (record) provider.client(record.clientId).stats.introspections += 1;
  if (!record?.live || record.expiresAtMs <= Date.now()) return sendJson(response, 200, { active: false });
  sendJson(response, 200, {
    active: true,
    username: record.user,
    scope: record.scope,
    client_id: record.clientId,
    token_type: 'Bearer',
    exp: Math.floor(record.expiresAtMs / 1000),
  });
}

async function handleControl(
  provider: Provider,
  path: string,
  request: IncomingMessage,
  response: ServerResponse,
) {
  const body =
    request.method === 'POST'
      ? (JSON.parse((await readBody(request)) || '{}') as Record<string, unknown>)
      : {};
  switch (path) {
    case '/control/client':
      provider.configure(body as unknown as FakeIdpClientSettings);
      return sendJson(response, 200, {});
    case '/control/grant':
      return sendJson(
        response,
        200,
        provider.grant(
          String(body.clientId),
          String(body.user),
          body.scopes as string[] | undefined,
          body.accessTokenTtlSeconds as number | undefined,
        ),
      );
    case '/control/revoke-refresh': {
      const record = provider.refreshTokens.get(String(body.token));
      if (record) record.live = false;
      return sendJson(response, 200, { revoked: record !== undefined });
    }
    case '/control/revoke-access': {
      const record = provider.accessTokens.get(String(body.token));
      if (record) record.live = false;
      return sendJson(response, 200, { revoked: record !== undefined });
    }
    case '/control/stats':
      return sendJson(response, 200, provider.stats(String(body.clientId)));
    default:
      return oauthError(response, 404, 'not_found');
  }
}

/** Starts a fake identity provider on 127.0.0.1 with an ephemeral port. */
export async function startFakeIdp(): Promise<FakeIdp> {
  const provider = new Provider();
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', provider.issuer);
    const route = `${request.method} ${url.pathname}`;
    const handle = async () => {
      if (url.pathname.startsWith('/control/'))
        return handleControl(provider, url.pathname, request, response);
      switch (route) {
        case 'GET /authorize':
          return handleAuthorize(provider, url, response);
        case 'POST /token':
          return handleToken(provider, request, response);
        case 'POST /device':
          return handleDevice(provider, request, response);
        case 'POST /introspect':
          return handleIntrospect(provider, request, response);
        case 'GET /jwks':
          return sendJson(response, 200, { keys: [provider.jwk] });
        case 'GET /.well-known/openid-configuration':
          return sendJson(response, 200, {
            issuer: provider.issuer,
            authorization_endpoint: `${provider.issuer}/authorize`,
            token_endpoint: `${provider.issuer}/token`,
            device_authorization_endpoint: `${provider.issuer}/device`,
            introspection_endpoint: `${provider.issuer}/introspect`,
            jwks_uri: `${provider.issuer}/jwks`,
            id_token_signing_alg_values_supported: ['RS256'],
            code_challenge_methods_supported: ['S256'],
          });
        default:
          return oauthError(response, 404, 'not_found');
      }
    };
    handle().catch(() => {
      if (!response.headersSent) oauthError(response, 400, 'invalid_request');
      else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  provider.issuer = `http://127.0.0.1:${port}`;
  return {
    url: provider.issuer,
    control: new FakeIdpControl(provider.issuer),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
