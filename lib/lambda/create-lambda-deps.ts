import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadConfig } from '../config/env.js';
import type { AdminCredentialStore } from '../credentials/store.js';
import type { AccountVerifier, AppDeps } from '../http/app-env.js';
import { imapCapabilities } from '../imap/session/imap-capabilities.js';
import { createLogger } from '../log/create-logger.js';
import { createProtocolDispatcher } from '../mail/dispatch.js';
import { ConfigurationError } from '../mail/errors.js';
import type { MailStoreFactory } from '../mail/store.js';
import type { OAuth2TokenManager } from '../oauth2/token-manager.js';
import { writesBackTokens } from '../oauth2/write-back-policy.js';
import { POP3_CAPABILITIES } from '../pop3/store-capabilities.js';
import type { UidlListingSource } from '../webhooks/watch-pop3.js';
import { type Lazy, lazy } from './lazy.js';
import { createLazyAdminCredentialStore } from './lazy-admin-credential-store.js';
import { createLazyCredentialStore, createLazyTokenWriter } from './lazy-credential-store.js';
import { createLazyStoreFactory } from './lazy-store-factory.js';
import { apiWebhookDeps, type WebhookClients, webhookBackends } from './webhook-backends.js';

export interface LambdaDepsOptions {
  env?: Record<string, string | undefined>;
  /** Only for tests in-process; the deployed functions use the SDK's default client (region from AWS_REGION). */
  secretsManagerClient?: SecretsManagerClient;
  /**
   * The admin function only (functions/lambda-admin.ts): build the write side
   * of the store, as `deps.admin` and as `deps.credentials` (one object, so
   * what it writes it reads back at once). The mail functions never get one.
   */
  admin?: boolean;
  /** Only for tests in-process: the webhook table's and queue's clients (see webhook-backends.ts). */
  webhookClients?: WebhookClients;
}

/**
 * Everything a Lambda entry point hands to `createApp`, built from the
 * function's environment once per cold start. Credentials always come from
 * Secrets Manager: a function has no local file to read them from.
 *
 * The credential store (with the AWS SDK) and each protocol adapter (IMAP
 * with imapflow and the charset tables, POP3 with the MIME parser) are
 * imported on first use, so module init evaluates only the HTTP layer. The
 * bundler turns each `import()` into a separate chunk that is not even
 * compiled until then (see infra/split-bundling.ts); docs/DEPLOY.md gives
 * the measured split between init and the first request.
 * @throws ConfigurationError for an unusable environment (names the variable, never its value).
 */
export function createLambdaDeps(options: LambdaDepsOptions = {}): AppDeps {
  const env = options.env ?? process.env;
  const config = loadConfig(env);
  if (config.MAILGATE_STORE !== 'secretsmanager') {
    throw new ConfigurationError(
      'MAILGATE_STORE must be "secretsmanager" on Lambda: there is no local accounts file.',
    );
  }
  const logger = createLogger({
    level: config.MAILGATE_LOG_LEVEL,
    fields: { service: 'mailgate', function: env.AWS_LAMBDA_FUNCTION_NAME },
  });
  const loadStore = async () => {
    const { SecretsManagerCredentialStore } = await import('../credentials/secrets-manager-store.js');
    return new SecretsManagerCredentialStore({
      prefix: config.MAILGATE_SECRET_PREFIX,
      cacheSeconds: config.MAILGATE_SECRET_CACHE_SECONDS,
      client: options.secretsManagerClient,
      // Only the admin function creates secrets; the stack sets the key there alone.
      kmsKeyId: config.MAILGATE_SECRETS_KMS_KEY_ID,
    });
  };
  const admin = options.admin ? createLazyAdminCredentialStore(loadStore) : undefined;
  const credentials = admin ?? createLazyCredentialStore(loadStore);
  // OAuth2 access tokens live per instance, in one manager both adapters share, loaded with the
  // first of them; written back to Secrets Manager only with MAILGATE_OAUTH_WRITE_BACK (the
  // function then needs PutSecretValue).
  const tokenWriter = writesBackTokens(config) ? (admin ?? createLazyTokenWriter(loadStore)) : undefined;
  const allowLoopbackHttp = config.MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP === true;
  const tokens = lazy(async () => {
    const { createTokenManager } = await import('../oauth2/create-token-manager.js');
    return createTokenManager({
      credentials,
      logger,
      ...(tokenWriter ? { writeBack: tokenWriter } : {}),
      allowLoopbackHttp,
    });
  });
  const stores = lazyStores(tokens);
  // A verifying login of the account API goes through a token manager of its own, loaded with it.
  const verifier: AccountVerifier = {
    open(account, context) {
      const own = lazy(async () => {
        const { createVerificationTokenManager } = await import('../oauth2/create-token-manager.js');
        return createVerificationTokenManager({ credentials, logger: context.logger, allowLoopbackHttp });
      });
      return { store: lazyStores(own).open(account, context), tokens: () => own.current()?.held(account) };
    },
  };
  // The manager exists once an adapter loaded it; before that it holds nothing to forget.
  const oauthTokens = { forget: (accountId: string) => tokens.current()?.forget(accountId) };
  // The webhook routes, when the stack made the table and the queue (MAILGATE_WEBHOOK_TABLE, …_QUEUE_URL).
  const webhooks = webhookBackends(config, options.webhookClients);
  return {
    config,
    logger,
    credentials,
    ...(admin === undefined ? {} : { admin }),
    stores,
    verifier,
    oauthTokens,
    ...(webhooks === undefined ? {} : { webhooks: apiWebhookDeps(webhooks, logger) }),
  };
}

/**
 * The IMAP and POP3 store factories over the token manager `tokens`, each
 * adapter (and the manager) imported the first time a store of its
 * protocol is used.
 */
function lazyStores(tokens: Lazy<OAuth2TokenManager>): MailStoreFactory {
  return createProtocolDispatcher({
    imap: createLazyStoreFactory(async () => {
      const [{ createImapStoreFactory }, manager] = await Promise.all([
        import('../imap/imap-store-factory.js'),
        tokens.get(),
      ]);
      return createImapStoreFactory({ tokens: manager });
    }, imapCapabilities),
    pop3: createLazyStoreFactory(
      async () => {
        const [{ createPop3StoreFactory }, manager] = await Promise.all([
          import('../pop3/store-factory.js'),
          tokens.get(),
        ]);
        return createPop3StoreFactory({ tokens: manager });
      },
      () => POP3_CAPABILITIES,
      // The webhook poller diffs a maildrop's UIDLs (lib/webhooks/watch-pop3.ts).
      ['uidlListing', 'summariesByNumber'] satisfies ReadonlyArray<keyof UidlListingSource>,
    ),
  });
}

/**
 * The admin function's dependencies: those of createLambdaDeps with the
 * write side of the store (IAM allows that function, and only it, to write).
 * @throws ConfigurationError as createLambdaDeps.
 */
export function createAdminLambdaDeps(
  options: Omit<LambdaDepsOptions, 'admin'> = {},
): AppDeps & { admin: AdminCredentialStore } {
  const deps = createLambdaDeps({ ...options, admin: true });
  const { admin } = deps;
  if (admin === undefined) throw new Error('createLambdaDeps built no admin store');
  return { ...deps, admin };
}
