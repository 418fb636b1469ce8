import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { afterEach } from 'vitest';
import { type Config, loadConfig } from '../../lib/config/env.js';
import type { AccountDocument } from '../../lib/credentials/account.js';
import { FileCredentialStore } from '../../lib/credentials/file-store.js';
import type { OAuth2TokenUpdate } from '../../lib/credentials/store.js';
import { createAdminApp, createApp } from '../../lib/http/app.js';
import type { AccountVerifier, AppDeps, AppEnv } from '../../lib/http/app-env.js';
import { createLogger } from '../../lib/log/create-logger.js';
import type { MailStoreFactory } from '../../lib/mail/store.js';
import type { OAuthTokenHolder } from '../../lib/oauth2/access-token-source.js';
import { type TestRequestInit, testRequester } from './http-helpers.js';
import { type MemoryData, MemoryStoreFactory } from './memory-store.js';

/** The account `alpha` as stored: a password that tests grep answers for. */
export const ALPHA_DOCUMENT: AccountDocument = {
  protocol: 'imap',
  host: '127.0.0.1',
  port: 993,
  tls: 'implicit',
  user: 'alice',
  password: 'hunter2-stored-password',
};

/** Carol's Gmail account, an OAuth2 document: provider google and its client id, then `oauth2`. */
export function carolOAuthDocument<T extends object>(oauth2: T) {
  return {
    protocol: 'imap',
    host: 'imap.gmail.com',
    port: 993,
    tls: 'implicit',
    user: 'carol@gmail.com',
    oauth2: {
      provider: 'google',
      clientId: '1234.apps.googleusercontent.com',
      ...oauth2,
    },
  };
}

export interface AdminTestAppOptions {
  /** false: the app has no write side of the store (the mail API function on AWS). */
  admin?: boolean;
  /** Build the admin function's app (createAdminApp) instead of the whole API. */
  adminOnly?: boolean;
  data?: MemoryData;
  config?: Partial<Config>;
  /** The mail routes' OAuth2 token manager, for what DELETE forgets (none by default). */
  oauthTokens?: Pick<OAuthTokenHolder, 'forget'>;
  /**
   * How `?verify=true` logs in; by default through the in-memory stores
   * (`stores.opened` shows the account it was given), leaving no tokens.
   * null: the app has none.
   */
  verifier?: AccountVerifier | null;
}

/** A verifier whose logins are stores of `stores`, each leaving `tokens` (none by default). */
export function verifierOver(stores: MailStoreFactory, tokens?: OAuth2TokenUpdate): AccountVerifier {
  return {
    open: (account, context) => ({ store: stores.open(account, context), tokens: () => tokens }),
  };
}

export interface AdminTestApp {
  app: OpenAPIHono<AppEnv>;
  store: FileCredentialStore;
  stores: MemoryStoreFactory;
  /** Every log line, as written. */
  lines: string[];
  /** Real minted tokens of each scope; read and write grant `alpha` only. */
  tokens: { admin: string; read: string; write: string };
  request(path: string, init?: TestRequestInit): Promise<Response>;
  /** The credential file as JSON, for asserting what was (not) stored. */
  stored(): Promise<{ accounts: Record<string, unknown>; tokens: Record<string, unknown> }>;
  close(): Promise<void>;
}

/**
 * The real app over a file credential store in a temporary directory (so
 * the account API writes for real) and in-memory mail stores. `alpha` is
 * stored; tokens of every scope are minted through the store.
 */
export async function buildAdminTestApp(options: AdminTestAppOptions = {}): Promise<AdminTestApp> {
  const dir = await mkdtemp(join(tmpdir(), 'mailgate-admin-api-'));
  const file = join(dir, 'accounts.json');
  const store = new FileCredentialStore({ path: file });
  await store.putAccount('alpha', ALPHA_DOCUMENT);
  const tokens = {
    admin: (await store.createToken({ accounts: '*', scope: 'admin', label: 'tests' })).token,
    read: (await store.createToken({ accounts: ['alpha'], scope: 'read' })).token,
    write: (await store.createToken({ accounts: ['alpha'], scope: 'write' })).token,
  };
  const stores = new MemoryStoreFactory(options.data);
  const lines: string[] = [];
  const config: Config = { ...loadConfig({}), ...options.config };
  const deps: AppDeps = {
    credentials: store,
    ...(options.admin === false ? {} : { admin: store }),
    stores,
    config,
    logger: createLogger({ level: 'debug', write: (line) => lines.push(line) }),
    ...(options.verifier === null ? {} : { verifier: options.verifier ?? verifierOver(stores) }),
    ...(options.oauthTokens ? { oauthTokens: options.oauthTokens } : {}),
  };
  const app = options.adminOnly ? createAdminApp({ ...deps, admin: store }) : createApp(deps);

  const send = testRequester(app, tokens.admin);
  const request = async (path: string, init: TestRequestInit = {}): Promise<Response> => send(path, init);

  return {
    app,
    store,
    stores,
    lines,
    tokens,
    request,
    async stored() {
      return JSON.parse(await readFile(file, 'utf8'));
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * buildAdminTestApp for the tests of one file: every app it builds is closed
 * after the test that built it (call at the top of the file).
 */
export function adminTestApps(): (options?: AdminTestAppOptions) => Promise<AdminTestApp> {
  const opened: AdminTestApp[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((app) => app.close()));
  });
  return async (options = {}) => {
    const app = await buildAdminTestApp(options);
    opened.push(app);
    return app;
  };
}
