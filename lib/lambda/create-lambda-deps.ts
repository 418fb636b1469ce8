import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadConfig } from '../config/env.js';
import { createCredentialStore } from '../credentials/create-store.js';
import type { AppDeps } from '../http/app-env.js';
import { createImapStoreFactory } from '../imap/index.js';
import { createLogger } from '../log/create-logger.js';
import { createProtocolDispatcher } from '../mail/dispatch.js';
import { ConfigurationError } from '../mail/errors.js';
import { createPop3StoreFactory } from '../pop3/index.js';

export interface LambdaDepsOptions {
  env?: Record<string, string | undefined>;
  /** Only for tests in-process; the deployed functions use the SDK's default client (region from AWS_REGION). */
  secretsManagerClient?: SecretsManagerClient;
}

/**
 * Everything a Lambda entry point hands to `createApp`, built from the
 * function's environment once per cold start. Credentials always come from
 * Secrets Manager: a function has no local file to read them from.
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
  return {
    config,
    logger,
    credentials: createCredentialStore(config, { secretsManagerClient: options.secretsManagerClient }),
    stores: createProtocolDispatcher({ imap: createImapStoreFactory(), pop3: createPop3StoreFactory() }),
  };
}
