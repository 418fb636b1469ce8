import { resolve } from 'node:path';
import type { Config } from '../config/env.js';
import type { CredentialStore } from '../credentials/store.js';
import type { WebhookDeps } from '../http/app-env.js';
import type { Logger } from '../mail/logger.js';
import type { MailStoreFactory } from '../mail/store.js';
import type { AccessTokenSource } from '../oauth2/access-token-source.js';
import { type Deliverer, startDeliverer } from '../webhooks/deliverer.js';
import {
  DEFAULT_WEBHOOK_STORE_DIRECTORY,
  type LocalWebhookStore,
  openLocalWebhookStore,
} from '../webhooks/local-store/index.js';
import { startWatcher, type Watcher, type WatcherOptions } from '../webhooks/watcher/index.js';

/** The deliverer's longest sleep between two looks at the queue (it is woken when events are queued). */
const DELIVERER_POLL_MS = 30_000;

export interface LocalWebhooks {
  /** For AppDeps.webhooks: `changed` resyncs the watcher and wakes the deliverer. */
  deps: WebhookDeps;
  /** The store's directory, absolute. */
  directory: string;
  repository: LocalWebhookStore;
  watcher: Watcher;
  deliverer: Deliverer;
  /** Stops the watcher (its connections and checks) and the deliverer (its deliveries in flight), then closes the store. */
  stop(): Promise<void>;
}

export interface LocalWebhooksInput {
  config: Config;
  logger: Logger;
  /** The credential store the routes use: the watcher reads each webhook's account from it. */
  credentials: Pick<CredentialStore, 'getAccount'>;
  /** The routes' store factory: the checks log in exactly as requests do. */
  stores: MailStoreFactory;
  tokens: AccessTokenSource;
  /** Tuning for tests and benchmarks (NOTIFY off, intervals). */
  watch?: Partial<Pick<WatcherOptions, 'notify' | 'pollMs' | 'resyncMs' | 'keepaliveMs'>>;
  delivererPollMs?: number;
}

/**
 * The local server's webhooks: the store under MAILGATE_WEBHOOK_DIR (one
 * process per directory: the store locks it), the deliverer and the
 * watcher, all in this process.
 */
export async function startLocalWebhooks(input: LocalWebhooksInput): Promise<LocalWebhooks> {
  const { config } = input;
  const logger = input.logger.child({ component: 'webhooks' });
  const directory = resolve(config.MAILGATE_WEBHOOK_DIR ?? DEFAULT_WEBHOOK_STORE_DIRECTORY);
  const allowPrivate = config.MAILGATE_WEBHOOK_ALLOW_PRIVATE === true;
  const repository = await openLocalWebhookStore({ directory });
  const deliverer = startDeliverer({
    repository,
    allowPrivate,
    logger,
    pollMs: input.delivererPollMs ?? DELIVERER_POLL_MS,
  });
  const watcher = startWatcher({
    repository,
    accounts: input.credentials,
    stores: input.stores,
    tokens: input.tokens,
    logger,
    onQueued: () => deliverer.wake(),
    ...input.watch,
  });
  let stopping: Promise<void> | undefined;
  return {
    directory,
    repository,
    watcher,
    deliverer,
    deps: {
      repository,
      allowPrivate,
      changed(_webhookId, what) {
        if (what !== 'queued') void watcher.resync();
        deliverer.wake();
      },
    },
    stop() {
      stopping ??= (async () => {
        await watcher.stop();
        await deliverer.stop();
        await repository.close();
      })();
      return stopping;
    },
  };
}
