import { resolve } from 'node:path';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Config } from '../config/env.js';
import { FileCredentialStore } from './file-store.js';
import { SecretsManagerCredentialStore } from './secrets-manager-store.js';
import type { AdminCredentialStore } from './store.js';

/** Where the local store lives when MAILGATE_ACCOUNTS_FILE is unset, relative to the working directory. */
export const DEFAULT_ACCOUNTS_FILE = '.mailgate/accounts.json';

/**
 * The credential store the configuration asks for: the local JSON file or
 * AWS Secrets Manager. Builds clients only; performs no I/O.
 */
export function createCredentialStore(
  config: Pick<
    Config,
    | 'MAILGATE_STORE'
    | 'MAILGATE_ACCOUNTS_FILE'
    | 'MAILGATE_SECRET_PREFIX'
    | 'MAILGATE_SECRET_CACHE_SECONDS'
    | 'MAILGATE_SECRETS_KMS_KEY_ID'
  >,
  options: { cwd?: string; secretsManagerClient?: SecretsManagerClient } = {},
): AdminCredentialStore {
  if (config.MAILGATE_STORE === 'secretsmanager') {
    return new SecretsManagerCredentialStore({
      prefix: config.MAILGATE_SECRET_PREFIX,
      cacheSeconds: config.MAILGATE_SECRET_CACHE_SECONDS,
      client: options.secretsManagerClient,
      kmsKeyId: config.MAILGATE_SECRETS_KMS_KEY_ID,
    });
  }
  const cwd = options.cwd ?? process.cwd();
  return new FileCredentialStore({
    path: resolve(cwd, config.MAILGATE_ACCOUNTS_FILE ?? DEFAULT_ACCOUNTS_FILE),
  });
}
