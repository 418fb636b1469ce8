import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config/env.js';
import { createCredentialStore } from '../../../lib/credentials/create-store.js';
import { FileCredentialStore } from '../../../lib/credentials/file-store.js';
import { SecretsManagerCredentialStore } from '../../../lib/credentials/secrets-manager-store.js';
import { createFakeSecretsTransport } from './fake-secrets-transport.js';

describe('createCredentialStore', () => {
  it('defaults to .mailgate/accounts.json under the working directory', () => {
    const store = createCredentialStore(loadConfig({}), { cwd: '/srv/app' });
    expect(store).toBeInstanceOf(FileCredentialStore);
    expect((store as FileCredentialStore).path).toBe(join('/srv/app', '.mailgate', 'accounts.json'));
  });

  it('resolves MAILGATE_ACCOUNTS_FILE against the working directory', () => {
    const relative = createCredentialStore(loadConfig({ MAILGATE_ACCOUNTS_FILE: 'conf/a.json' }), {
      cwd: '/srv',
    });
    expect((relative as FileCredentialStore).path).toBe('/srv/conf/a.json');
    const absolute = createCredentialStore(loadConfig({ MAILGATE_ACCOUNTS_FILE: '/etc/mg.json' }), {
      cwd: '/srv',
    });
    expect((absolute as FileCredentialStore).path).toBe('/etc/mg.json');
  });

  it('builds the Secrets Manager store with the configured prefix and cache', async () => {
    const transport = createFakeSecretsTransport();
    const config = loadConfig({
      MAILGATE_STORE: 'secretsmanager',
      MAILGATE_SECRET_PREFIX: 'prod/mail/',
      MAILGATE_SECRET_CACHE_SECONDS: '60',
    });
    const store = createCredentialStore(config, { secretsManagerClient: transport.client });
    expect(store).toBeInstanceOf(SecretsManagerCredentialStore);
    await store.getAccount('work');
    await store.getAccount('work');
    expect(transport.take()).toEqual(['GetSecretValue prod/mail/accounts/work']);
  });

  it('creates secrets with the KMS key MAILGATE_SECRETS_KMS_KEY_ID names (the CLI takes it from there)', async () => {
    const key = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const transport = createFakeSecretsTransport();
    const config = loadConfig({
      MAILGATE_STORE: 'secretsmanager',
      MAILGATE_SECRET_PREFIX: 'prod/mail/',
      MAILGATE_SECRETS_KMS_KEY_ID: key,
    });
    expect(config.MAILGATE_SECRETS_KMS_KEY_ID).toBe(key);
    const store = createCredentialStore(config, { secretsManagerClient: transport.client });
    await store.createToken({ accounts: '*', scope: 'read' });
    const created = transport.calls.filter((call) => call.operation === 'CreateSecret');
    expect(created).toHaveLength(2);
    for (const call of created) expect(call.body.KmsKeyId).toBe(key);
  });

  it('leaves MAILGATE_SECRETS_KMS_KEY_ID unset by default and refuses an empty one', () => {
    expect(loadConfig({}).MAILGATE_SECRETS_KMS_KEY_ID).toBeUndefined();
    expect(() => loadConfig({ MAILGATE_SECRETS_KMS_KEY_ID: '' })).toThrow('MAILGATE_SECRETS_KMS_KEY_ID');
  });
});
