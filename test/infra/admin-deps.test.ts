import { describe, expect, it } from 'vitest';
import type { AdminCredentialStore } from '../../lib/credentials/store.js';
import { createAdminLambdaDeps, createLambdaDeps } from '../../lib/lambda/create-lambda-deps.js';
import { createLazyAdminCredentialStore } from '../../lib/lambda/lazy-admin-credential-store.js';
import { createFakeSecretsTransport } from '../unit/credentials/fake-secrets-transport.js';

const env = { MAILGATE_STORE: 'secretsmanager', MAILGATE_SECRET_PREFIX: 'mg/', AWS_REGION: 'eu-west-1' };
const DOCUMENT = {
  protocol: 'imap' as const,
  host: 'imap.example.com',
  port: 993,
  tls: 'implicit' as const,
  user: 'alice',
  password: 'pw-123456',
};

describe('the admin function’s dependencies', () => {
  it('give the mail functions no write side, and the admin function one store for reads and writes', () => {
    expect(createLambdaDeps({ env }).admin).toBeUndefined();
    const deps = createAdminLambdaDeps({ env });
    expect(deps.admin).toBeDefined();
    expect(deps.credentials).toBe(deps.admin);
  });

  it('writes through Secrets Manager and reads its own writes back at once: a revoked token stops there', async () => {
    const transport = createFakeSecretsTransport();
    const { admin, credentials } = createAdminLambdaDeps({
      env: { ...env, MAILGATE_SECRET_CACHE_SECONDS: '0' },
      secretsManagerClient: transport.client,
    });
    await admin.putAccount('alice', DOCUMENT);
    expect(JSON.parse(transport.secrets.get('mg/accounts/alice') ?? '{}')).toEqual(DOCUMENT);
    expect(await credentials.listAccountIds()).toEqual(['alice']);
    const { token, record } = await admin.createToken({ accounts: '*', scope: 'admin' });
    expect(await credentials.verifyToken(token)).toMatchObject({ scope: 'admin', accounts: '*' });
    expect(await admin.revokeToken(record.tokenId)).toBe(true);
    expect(await credentials.verifyToken(token)).toBeUndefined();
  });

  it('creates secrets with the customer managed key the stack names in MAILGATE_SECRETS_KMS_KEY_ID', async () => {
    const key = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const transport = createFakeSecretsTransport();
    const { admin } = createAdminLambdaDeps({
      env: { ...env, MAILGATE_SECRET_CACHE_SECONDS: '0', MAILGATE_SECRETS_KMS_KEY_ID: key },
      secretsManagerClient: transport.client,
    });
    await admin.putAccount('alice', DOCUMENT);
    const created = transport.calls.filter((call) => call.operation === 'CreateSecret');
    expect(created.map((call) => call.secret)).toEqual(['mg/accounts/alice', 'mg/index']);
    for (const call of created) expect(call.body.KmsKeyId).toBe(key);
  });
});

describe('createLazyAdminCredentialStore', () => {
  it('builds the store on the first call only, forwards every method, and invalidates nothing before', async () => {
    let loads = 0;
    const calls: string[] = [];
    const real = new Proxy({} as AdminCredentialStore, {
      // Not a thenable: the loader's promise resolves to the store itself.
      get: (_target, name: string) =>
        name === 'then'
          ? undefined
          : (...args: unknown[]) => {
              calls.push(name);
              return name === 'invalidateAccount' ? undefined : Promise.resolve(args);
            },
    });
    const store = createLazyAdminCredentialStore(async () => {
      loads += 1;
      return real;
    });
    store.invalidateAccount('x');
    expect(loads).toBe(0);
    await store.putAccount('a', DOCUMENT);
    await Promise.all([store.listTokens(), store.revokeToken('t'), store.removeAccount('a')]);
    expect(loads).toBe(1);
    store.invalidateAccount('a');
    expect(calls).toEqual(['putAccount', 'listTokens', 'revokeToken', 'removeAccount', 'invalidateAccount']);
    expect(await store.createToken({ accounts: '*', scope: 'read' })).toEqual([
      { accounts: '*', scope: 'read' },
    ]);
  });
});
