import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, loadConfig } from '../../lib/config/env.js';
import type { AccountDocument } from '../../lib/credentials/account.js';
import { FileCredentialStore } from '../../lib/credentials/file-store.js';
import type { TokenScope } from '../../lib/credentials/store.js';
import type { WebhookChange } from '../../lib/http/app-env.js';
import { startNodeServer } from '../../lib/http/node-server.js';
import { poolOptionsFromEnv } from '../../lib/imap/index.js';
import { createLocalDeps } from '../../lib/local/create-local-deps.js';
import {
  type LocalWebhooks,
  type LocalWebhooksInput,
  startLocalWebhooks,
} from '../../lib/local/local-webhooks.js';
import { createLogger } from '../../lib/log/create-logger.js';
import { type LocalWebhookStore, openLocalWebhookStore } from '../../lib/webhooks/local-store/index.js';
import type { Resolver } from '../../lib/webhooks/url-guard.js';

export interface Gateway {
  /** `http://127.0.0.1:<port>` of the real Node server. */
  url: string;
  /** Every JSON log line the gateway wrote. */
  logs: string[];
  credentials: FileCredentialStore;
  addAccount(id: string, document: AccountDocument): Promise<void>;
  token(accounts: string[] | '*', scope?: TokenScope): Promise<string>;
  /** fetch against the gateway with a bearer token. */
  get(path: string, token: string | null, init?: RequestInit): Promise<Response>;
  /** The webhook store the routes write (`webhooks` option); undefined without it. */
  webhooks: LocalWebhookStore | undefined;
  /** The watcher and deliverer on that store (`webhooks.watch`); undefined without it. */
  watching: LocalWebhooks | undefined;
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** Keep IMAP connections between requests, as `npm start` does (MAILGATE_IMAP_REUSE=on, its defaults); off unless asked. */
  reuse?: boolean;
  /**
   * Serve the webhook routes: a local webhook store in the gateway's
   * temporary directory, private addresses allowed per
   * MAILGATE_WEBHOOK_ALLOW_PRIVATE in `config`. Nothing watches or delivers
   * unless the test starts it on `gateway.webhooks`.
   */
  webhooks?:
    | boolean
    | {
        /** Name resolution for the URL checks (default the system resolver). */
        resolve?: Resolver;
        /** The routes' `changed` hook. */
        onWebhookChange?: (id: string, what: WebhookChange) => Promise<void> | void;
        /**
         * Run the watcher and the deliverer on the store, as `npm start`
         * does (lib/local/local-webhooks.ts): the routes' `changed` resyncs
         * the watcher and wakes the deliverer (and then calls
         * `onWebhookChange`). An object tunes the watcher (`notify: false`: IDLE).
         */
        watch?: boolean | LocalWebhooksInput['watch'];
      };
}

/**
 * The gateway as `npm start` runs it (real Node server, real IMAP and POP3
 * stores, file credential store in a temporary directory), on a free port;
 * token endpoints may be plain http on loopback (the fake identity provider)
 * unless `config` says otherwise.
 */
export async function startGateway(
  config: Partial<Config> = {},
  options: GatewayOptions = {},
): Promise<Gateway> {
  const dir = await mkdtemp(join(tmpdir(), 'mailgate-gw-'));
  const credentials = new FileCredentialStore({ path: join(dir, 'accounts.json') });
  const logs: string[] = [];
  // The fake identity provider is plain http on loopback, which only this setting allows.
  const fullConfig: Config = {
    ...loadConfig({}),
    MAILGATE_LOG_LEVEL: 'debug',
    MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP: true,
    ...config,
  };
  const deps = createLocalDeps({
    credentials,
    config: fullConfig,
    logger: createLogger({ level: 'debug', write: (line) => logs.push(line) }),
    reuse: options.reuse ? poolOptionsFromEnv({}, 'on') : null,
  });
  const { pool } = deps;
  let webhooks: LocalWebhookStore | undefined;
  let watching: LocalWebhooks | undefined;
  if (options.webhooks) {
    const hooks = options.webhooks === true ? {} : options.webhooks;
    const onChange = hooks.onWebhookChange;
    if (hooks.watch) {
      watching = await startLocalWebhooks({
        config: { ...fullConfig, MAILGATE_WEBHOOK_DIR: join(dir, 'webhooks') },
        logger: deps.logger,
        credentials,
        stores: deps.stores,
        tokens: deps.tokens,
        ...(hooks.watch === true ? {} : { watch: hooks.watch }),
      });
      webhooks = watching.repository;
      const own = watching.deps.changed;
      deps.webhooks = {
        ...watching.deps,
        ...(hooks.resolve === undefined ? {} : { resolve: hooks.resolve }),
        async changed(id, what) {
          await own?.(id, what);
          await onChange?.(id, what);
        },
      };
    } else {
      webhooks = await openLocalWebhookStore({ directory: join(dir, 'webhooks') });
      deps.webhooks = {
        repository: webhooks,
        allowPrivate: fullConfig.MAILGATE_WEBHOOK_ALLOW_PRIVATE === true,
        ...(hooks.resolve === undefined ? {} : { resolve: hooks.resolve }),
        ...(onChange === undefined ? {} : { changed: (id, what) => onChange(id, what) }),
      };
    }
  }
  const running = await startNodeServer(deps, { hostname: '127.0.0.1', port: 0 });
  const { url } = running;
  return {
    url,
    logs,
    credentials,
    webhooks,
    watching,
    addAccount: (id, document) => credentials.putAccount(id, document),
    async token(accounts, scope = 'write') {
      return (await credentials.createToken({ accounts, scope })).token;
    },
    get(path, token, init = {}) {
      const headers = new Headers(init.headers);
      if (token !== null) headers.set('Authorization', `Bearer ${token}`);
      return fetch(`${url}${path}`, { ...init, headers });
    },
    async close() {
      // Keep-alive sockets from fetch are closed too.
      await running.close();
      pool?.close();
      if (watching) await watching.stop();
      else await webhooks?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
