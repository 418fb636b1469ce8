import type { Config } from '../../lib/config/env.js';
import { loadConfig } from '../../lib/config/env.js';
import type { Account } from '../../lib/credentials/account.js';
import type { TokenGrant } from '../../lib/credentials/store.js';
import { createApp } from '../../lib/http/app.js';
import { createLogger } from '../../lib/log/create-logger.js';
import type { MemoryData } from './memory-store.js';
import { buildAccount, MemoryCredentialStore, MemoryStoreFactory } from './memory-store.js';

/** Tokens the default test app knows; values are deliberately distinctive so log tests can grep for them. */
export const TOKENS = {
  readAlpha: 'read-alpha-token-7f3c9a',
  writeAlpha: 'write-alpha-token-1b8e2d',
  writeAll: 'write-all-token-5d0a6c',
} as const;

function grants(): Record<string, TokenGrant> {
  return {
    [TOKENS.readAlpha]: { tokenId: 't-read', accounts: ['alpha'], scope: 'read' },
    [TOKENS.writeAlpha]: { tokenId: 't-write', accounts: ['alpha'], scope: 'write' },
    [TOKENS.writeAll]: { tokenId: 't-all', accounts: '*', scope: 'write' },
  };
}

export interface TestAppOptions {
  config?: Partial<Config>;
  data?: MemoryData;
  /** Stored besides `alpha` and `beta` (e.g. a POP3 account; `writeAll` grants it). */
  extraAccounts?: Account[];
}

export interface TestRequestInit {
  /** `null` sends no Authorization header; the default is the alpha write token. */
  token?: string | null;
  method?: string;
  headers?: Record<string, string>;
  /** Sent as is. */
  body?: RequestInit['body'];
  /** Serialised and sent as `application/json`. */
  json?: unknown;
  signal?: AbortSignal;
}

/**
 * Requests to `app` as a test writes them: a bearer token (`defaultToken`
 * unless `init.token` says otherwise, none for null), `json` serialised.
 */
export function testRequester(
  app: { request(input: string, init: RequestInit): Response | Promise<Response> },
  defaultToken: string,
) {
  return (path: string, init: TestRequestInit = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    const token = init.token === undefined ? defaultToken : init.token;
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    let body = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['Content-Type'] ??= 'application/json';
    }
    const requestInit: RequestInit = { method: init.method ?? 'GET', headers };
    if (body !== undefined) requestInit.body = body;
    if (init.signal) requestInit.signal = init.signal;
    return app.request(`http://127.0.0.1${path}`, requestInit);
  };
}

/** The real app over in-memory stores, with every log line captured as parsed JSON. */
export function buildTestApp(options: TestAppOptions = {}) {
  const config: Config = { ...loadConfig({}), ...options.config };
  const credentials = new MemoryCredentialStore(
    [
      buildAccount(),
      buildAccount({ id: 'beta', user: 'bob', password: 'beta-stored-password' }),
      ...(options.extraAccounts ?? []),
    ],
    grants(),
  );
  const stores = new MemoryStoreFactory(options.data);
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => lines.push(line) });
  const app = createApp({ credentials, stores, config, logger });

  const request = testRequester(app, TOKENS.writeAlpha);

  return { app, config, credentials, stores, lines, request };
}

export const PROBLEM_TYPE = 'application/problem+json';

/** Reads a problem+json response and checks the RFC 9457 members every error must carry. */
export async function readProblem(response: Response): Promise<Record<string, unknown>> {
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.startsWith(PROBLEM_TYPE)) {
    throw new Error(`expected ${PROBLEM_TYPE}, got '${contentType}' (status ${response.status})`);
  }
  const body = (await response.json()) as Record<string, unknown>;
  for (const key of ['type', 'title', 'status', 'detail', 'code']) {
    if (!(key in body)) throw new Error(`problem body lacks '${key}': ${JSON.stringify(body)}`);
  }
  if (body.status !== response.status) throw new Error(`problem status ${body.status} ≠ ${response.status}`);
  return body;
}

/** A JSON body typed loosely, for assertions. */
export type JsonObject = Record<string, unknown> & {
  attachments?: Array<Record<string, unknown>>;
};

export async function readJson<T = JsonObject>(response: Response): Promise<T> {
  return (await response.json()) as T;
}
