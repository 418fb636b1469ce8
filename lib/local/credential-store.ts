import { resolve } from 'node:path';
import type { Config } from '../config/env.js';
import { FileCredentialStore } from '../credentials/file-store.js';
import type { AdminCredentialStore } from '../credentials/store.js';

/**
 * Where the local store lives when MAILGATE_ACCOUNTS_FILE is unset, relative
 * to the working directory: create-store.ts's DEFAULT_ACCOUNTS_FILE (a test
 * keeps the two equal; that module cannot be imported here, see below).
 */
export const LOCAL_DEFAULT_ACCOUNTS_FILE = '.mailgate/accounts.json';

/**
 * The local server's credential store, as `createCredentialStore` builds
 * it, without loading the AWS SDK for the accounts file. create-store.ts
 * imports the Secrets Manager store, and with it the SDK, statically: about
 * 8 MiB resident and a fifth of the server's start (docs/BENCHMARKS.md,
 * local server start). It is imported only when the configuration asks for
 * Secrets Manager.
 */
export async function openLocalCredentialStore(
  config: Pick<
    Config,
    | 'MAILGATE_STORE'
    | 'MAILGATE_ACCOUNTS_FILE'
    | 'MAILGATE_SECRET_PREFIX'
    | 'MAILGATE_SECRET_CACHE_SECONDS'
    | 'MAILGATE_SECRETS_KMS_KEY_ID'
  >,
  cwd: string = process.cwd(),
): Promise<AdminCredentialStore> {
  if (config.MAILGATE_STORE === 'secretsmanager') {
    const { createCredentialStore } = await import('../credentials/create-store.js');
    return createCredentialStore(config, { cwd });
  }
  return new FileCredentialStore({
    path: resolve(cwd, config.MAILGATE_ACCOUNTS_FILE ?? LOCAL_DEFAULT_ACCOUNTS_FILE),
  });
}
