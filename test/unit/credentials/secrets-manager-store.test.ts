import { describe, expect, it } from 'vitest';
import { SecretsManagerCredentialStore } from '../../../lib/credentials/secrets-manager-store.js';
import { ConfigurationError, MailgateError, UpstreamUnavailableError } from '../../../lib/mail/errors.js';
import { buildAccountDocument } from './build-account-document.js';
import { createFakeSecretsTransport } from './fake-secrets-transport.js';

const PASSWORD = 'S3cret-Pa55word-never-shown';

function setup(initial: Record<string, string> = {}, cacheSeconds = 300) {
  const transport = createFakeSecretsTransport(initial);
  let now = 1_000_000;
  const store = new SecretsManagerCredentialStore({
    prefix: 'mg/',
    cacheSeconds,
    client: transport.client,
    indexSettleMs: 0,
    now: () => now,
  });
  return {
    transport,
    store,
    advance(seconds: number) {
      now += seconds * 1000;
    },
  };
}

const workSecret = { 'mg/accounts/work': JSON.stringify(buildAccountDocument()) };

describe('SecretsManagerCredentialStore reads', () => {
  it('reads an account from <prefix>accounts/<id>', async () => {
    const { store, transport } = setup(workSecret);
    expect(await store.getAccount('work')).toEqual({ ...buildAccountDocument(), id: 'work' });
    expect(transport.take()).toEqual(['GetSecretValue mg/accounts/work']);
  });

  it('serves repeated reads from the cache until the TTL passes', async () => {
    const { store, transport, advance } = setup(workSecret, 60);
    await store.getAccount('work');
    await Promise.all([store.getAccount('work'), store.getAccount('work')]);
    advance(59);
    await store.getAccount('work');
    expect(transport.take()).toEqual(['GetSecretValue mg/accounts/work']);

    transport.secrets.set('mg/accounts/work', JSON.stringify(buildAccountDocument({ user: 'bob' })));
    advance(2);
    expect((await store.getAccount('work'))?.user).toBe('bob');
    expect(transport.take()).toEqual(['GetSecretValue mg/accounts/work']);
  });

  it('refetches at once after invalidateAccount, so a rotated password applies', async () => {
    const { store, transport } = setup(workSecret);
    await store.getAccount('work');
    transport.secrets.set('mg/accounts/work', JSON.stringify(buildAccountDocument({ password: 'rotated' })));
    expect((await store.getAccount('work'))?.password).toBe(PASSWORD);
    store.invalidateAccount('work');
    expect((await store.getAccount('work'))?.password).toBe('rotated');
    expect(transport.take()).toEqual(['GetSecretValue mg/accounts/work', 'GetSecretValue mg/accounts/work']);
  });

  it('answers undefined for a missing secret and an empty list without an index', async () => {
    const { store, transport } = setup();
    expect(await store.getAccount('nope')).toBeUndefined();
    expect(await store.listAccountIds()).toEqual([]);
    expect(transport.take()).toEqual(['GetSecretValue mg/accounts/nope', 'GetSecretValue mg/index']);
  });

  it('lists accounts from the index secret, never with ListSecrets', async () => {
    const { store, transport } = setup({ 'mg/index': JSON.stringify({ accounts: ['a', 'b'], tokens: [] }) });
    expect(await store.listAccountIds()).toEqual(['a', 'b']);
    expect(transport.take()).toEqual(['GetSecretValue mg/index']);
  });

  it('does not ask Secrets Manager about ids that cannot exist', async () => {
    const { store, transport } = setup();
    expect(await store.getAccount('../index')).toBeUndefined();
    expect(await store.verifyToken('not-a-token')).toBeUndefined();
    expect(transport.take()).toEqual([]);
  });

  it('turns other SDK failures into a generic internal error carrying the SDK error as cause', async () => {
    const { store, transport } = setup(workSecret);
    transport.failWith('AccessDeniedException');
    const error = await store.getAccount('work').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MailgateError);
    expect(error).not.toBeInstanceOf(UpstreamUnavailableError);
    expect((error as MailgateError).code).toBe('internal_error');
    expect((error as MailgateError).detail).toBe('Could not read the credential store.');
    expect(((error as MailgateError).cause as Error).name).toBe('AccessDeniedException');

    // A failed read is not cached: the next call tries again.
    transport.failWith(undefined);
    expect((await store.getAccount('work'))?.id).toBe('work');
  });

  it('names the account and field of a malformed secret, never the password', async () => {
    const bad = { ...buildAccountDocument(), port: '993' };
    const { store } = setup({
      'mg/accounts/work': JSON.stringify(bad),
      'mg/accounts/junk': `{"password":"${PASSWORD}"`,
    });
    const error = await store.getAccount('work').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).detail).toBe('account "work": field "port": expected number');
    expect((error as Error).message).not.toContain(PASSWORD);

    const junk = await store.getAccount('junk').catch((caught: unknown) => caught);
    expect(junk).toBeInstanceOf(ConfigurationError);
    expect((junk as Error).message).toContain('account "junk"');
    expect((junk as Error).message).not.toContain(PASSWORD);
  });
});

describe('SecretsManagerCredentialStore admin writes', () => {
  it('creates the account secret and the index, readable by a fresh runtime store', async () => {
    const { store, transport } = setup();
    await store.putAccount('work', buildAccountDocument());
    expect(transport.take()).toEqual([
      'PutSecretValue mg/accounts/work',
      'CreateSecret mg/accounts/work',
      'GetSecretValue mg/index',
      'PutSecretValue mg/index',
      'CreateSecret mg/index',
      // Read back: the change stayed.
      'GetSecretValue mg/index',
    ]);
    expect(JSON.parse(transport.secrets.get('mg/index') ?? '')).toEqual({ accounts: ['work'], tokens: [] });

    const runtime = new SecretsManagerCredentialStore({
      prefix: 'mg/',
      cacheSeconds: 300,
      client: transport.client,
    });
    expect(await runtime.listAccountIds()).toEqual(['work']);
    expect((await runtime.getAccount('work'))?.password).toBe(PASSWORD);
    expect(transport.calls.every((call) => call.operation === 'GetSecretValue')).toBe(true);
  });

  it('updates an existing account in place', async () => {
    const { store, transport } = setup(workSecret);
    await store.putAccount('work', buildAccountDocument({ password: 'rotated' }));
    expect(transport.take()[0]).toBe('PutSecretValue mg/accounts/work');
    expect(JSON.parse(transport.secrets.get('mg/accounts/work') ?? '').password).toBe('rotated');
    expect((await store.getAccount('work'))?.password).toBe('rotated');
  });

  it('removes an account: secret deleted without recovery, index updated', async () => {
    const { store, transport } = setup();
    await store.putAccount('work', buildAccountDocument());
    transport.take();
    expect(await store.removeAccount('work')).toBe(true);
    const deletion = transport.calls.find((call) => call.operation === 'DeleteSecret');
    expect(deletion?.body.ForceDeleteWithoutRecovery).toBe(true);
    expect(await store.getAccount('work')).toBeUndefined();
    expect(await store.listAccountIds()).toEqual([]);
    expect(await store.removeAccount('work')).toBe(false);
  });

  it('creates tokens that a fresh store verifies by their own secret, never storing them in clear', async () => {
    const { store, transport } = setup();
    const read = await store.createToken({ accounts: ['work'], scope: 'read', label: 'phone' });
    const write = await store.createToken({ accounts: '*', scope: 'write' });
    for (const value of transport.secrets.values()) {
      expect(value).not.toContain(read.token);
      expect(value).not.toContain(write.token);
    }
    transport.take();

    const runtime = new SecretsManagerCredentialStore({
      prefix: 'mg/',
      cacheSeconds: 300,
      client: transport.client,
    });
    expect(await runtime.verifyToken(read.token)).toEqual({
      tokenId: read.record.tokenId,
      accounts: ['work'],
      scope: 'read',
    });
    expect((await runtime.verifyToken(write.token))?.scope).toBe('write');
    expect(transport.take()).toEqual([
      'GetSecretValue mg/index',
      `GetSecretValue mg/tokens/${read.record.tokenId}`,
      `GetSecretValue mg/tokens/${write.record.tokenId}`,
    ]);
    const forged = `mg_${read.record.tokenId}_${'A'.repeat(43)}`;
    expect(await runtime.verifyToken(forged)).toBeUndefined();

    const listed = await store.listTokens();
    expect(listed.map((record) => record.tokenId).sort()).toEqual(
      [read.record.tokenId, write.record.tokenId].sort(),
    );
  });

  it('revokes a token: deleted secret, gone from the index, refused by a fresh store', async () => {
    const { store, transport } = setup();
    const { token, record } = await store.createToken({ accounts: '*', scope: 'write' });
    expect(await store.revokeToken(record.tokenId)).toBe(true);
    expect(transport.secrets.has(`mg/tokens/${record.tokenId}`)).toBe(false);
    expect(JSON.parse(transport.secrets.get('mg/index') ?? '').tokens).toEqual([]);
    const runtime = new SecretsManagerCredentialStore({
      prefix: 'mg/',
      cacheSeconds: 300,
      client: transport.client,
    });
    expect(await runtime.verifyToken(token)).toBeUndefined();
    expect(await store.verifyToken(token)).toBeUndefined();
    expect(await store.revokeToken(record.tokenId)).toBe(false);
  });

  it('reports a write failure as a generic internal error', async () => {
    const { store, transport } = setup();
    transport.failWith('AccessDeniedException');
    const error = await store.putAccount('work', buildAccountDocument()).catch((caught: unknown) => caught);
    expect((error as MailgateError).code).toBe('internal_error');
    expect((error as MailgateError).detail).toBe('Could not write the credential store.');
    expect((error as Error).message).not.toContain(PASSWORD);
  });
});

describe('SecretsManagerCredentialStore and token ids it does not know', () => {
  const madeUp = (i: number) => `mg_${String(i).padStart(12, '0')}_${'A'.repeat(43)}`;

  it('refuses ids the index does not list without reading a secret per request', async () => {
    const { store: admin, transport } = setup();
    const { token } = await admin.createToken({ accounts: '*', scope: 'read' });
    transport.take();
    let now = 5_000_000;
    const runtime = new SecretsManagerCredentialStore({
      prefix: 'mg/',
      cacheSeconds: 300,
      client: transport.client,
      now: () => now,
    });
    for (let i = 0; i < 1000; i += 1) {
      expect(await runtime.verifyToken(madeUp(i))).toBeUndefined();
      now += 3;
    }
    // A thousand made-up ids (3 s of requests): one read of the index, one of an unlisted token's secret.
    expect(transport.take()).toEqual([
      'GetSecretValue mg/index',
      `GetSecretValue mg/tokens/${'0'.repeat(12)}`,
    ]);
    expect((await runtime.verifyToken(token))?.scope).toBe('read');
    expect(transport.take()).toEqual([expect.stringMatching(/^GetSecretValue mg\/tokens\//)]);
  });

  it('reads the index again for an unlisted id at most every 5 s, so a new token soon works', async () => {
    const { store: admin, transport } = setup();
    let now = 5_000_000;
    const runtime = new SecretsManagerCredentialStore({
      prefix: 'mg/',
      cacheSeconds: 300,
      client: transport.client,
      now: () => now,
    });
    expect(await runtime.verifyToken(madeUp(1))).toBeUndefined();
    const { token } = await admin.createToken({ accounts: '*', scope: 'write' });
    transport.take();

    now += 1_000;
    expect(await runtime.verifyToken(token)).toBeUndefined();
    expect(await runtime.verifyToken(madeUp(2))).toBeUndefined();
    expect(transport.take()).toEqual([]);

    now += 4_000;
    expect((await runtime.verifyToken(token))?.scope).toBe('write');
    expect(transport.take()).toEqual([
      'GetSecretValue mg/index',
      expect.stringMatching(/^GetSecretValue mg\/tokens\//),
    ]);
  });

  it('still refuses a revoked token that the index it read still lists', async () => {
    const { store: admin, transport } = setup();
    const { token, record } = await admin.createToken({ accounts: '*', scope: 'write' });
    const runtime = new SecretsManagerCredentialStore({
      prefix: 'mg/',
      cacheSeconds: 0,
      client: transport.client,
    });
    expect((await runtime.verifyToken(token))?.scope).toBe('write');
    await admin.revokeToken(record.tokenId);
    expect(await runtime.verifyToken(token)).toBeUndefined();
  });
});

describe('SecretsManagerCredentialStore: concurrent writers of the index', () => {
  const indexOf = (transport: ReturnType<typeof createFakeSecretsTransport>) =>
    JSON.parse(transport.secrets.get('mg/index') ?? '{}') as { accounts: string[]; tokens: string[] };
  const writer = (transport: ReturnType<typeof createFakeSecretsTransport>, indexSettleMs = 0) =>
    new SecretsManagerCredentialStore({
      prefix: 'mg/',
      cacheSeconds: 0,
      client: transport.client,
      indexSettleMs,
    });
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  /**
   * Orders the index calls of two writers as a lost update needs them: both
   * read the index before either writes, the second write lands after the
   * first, and no read-back comes before both writes landed.
   */
  function interleave(transport: ReturnType<typeof createFakeSecretsTransport>) {
    let reads = 0;
    let writes = 0;
    let bothRead!: () => void;
    const readBoth = new Promise<void>((resolve) => {
      bothRead = resolve;
    });
    let firstWritten!: () => void;
    const wroteFirst = new Promise<void>((resolve) => {
      firstWritten = resolve;
    });
    let secondWritten!: () => void;
    const wroteSecond = new Promise<void>((resolve) => {
      secondWritten = resolve;
    });
    transport.intercept(async (call) => {
      if (call.secret !== 'mg/index') return;
      if (call.operation === 'GetSecretValue') {
        reads += 1;
        if (reads <= 2) {
          if (reads === 2) bothRead();
          await readBoth;
        } else {
          await wroteSecond;
          await turn();
        }
      } else if (call.operation === 'PutSecretValue') {
        writes += 1;
        if (writes === 1) firstWritten();
        if (writes === 2) {
          await wroteFirst;
          await turn();
          secondWritten();
        }
      }
    });
  }

  it('keeps both token ids when two writers read the index before either wrote: the overwritten one writes again', async () => {
    const transport = createFakeSecretsTransport({
      'mg/index': JSON.stringify({ accounts: [], tokens: [] }),
    });
    const cli = writer(transport);
    const api = writer(transport);
    interleave(transport);
    const [first, second] = await Promise.all([
      cli.createToken({ accounts: '*', scope: 'read', label: 'cli' }),
      api.createToken({ accounts: '*', scope: 'write', label: 'api' }),
    ]);
    transport.intercept(undefined);

    expect(indexOf(transport).tokens.sort()).toEqual([first.record.tokenId, second.record.tokenId].sort());
    const writes = transport.calls.filter((c) => c.operation === 'PutSecretValue' && c.secret === 'mg/index');
    expect(writes).toHaveLength(3);

    // A fresh function finds both in the index: neither is refused as unknown.
    const runtime = new SecretsManagerCredentialStore({
      prefix: 'mg/',
      cacheSeconds: 300,
      client: transport.client,
    });
    transport.take();
    expect((await runtime.verifyToken(first.token))?.scope).toBe('read');
    expect((await runtime.verifyToken(second.token))?.scope).toBe('write');
    expect(transport.take()).toEqual([
      'GetSecretValue mg/index',
      `GetSecretValue mg/tokens/${first.record.tokenId}`,
      `GetSecretValue mg/tokens/${second.record.tokenId}`,
    ]);
  });

  it('keeps a removal that a concurrent writer, having read the index before it, would undo', async () => {
    const transport = createFakeSecretsTransport({
      'mg/index': JSON.stringify({ accounts: ['gone'], tokens: [] }),
      'mg/accounts/gone': JSON.stringify(buildAccountDocument()),
    });
    interleave(transport);
    await Promise.all([
      writer(transport).removeAccount('gone'),
      writer(transport).putAccount('kept', buildAccountDocument()),
    ]);
    transport.intercept(undefined);
    expect(indexOf(transport).accounts).toEqual(['kept']);
  });

  it('gives up after four writes when the change never stays, naming the index', async () => {
    const transport = createFakeSecretsTransport({
      'mg/index': JSON.stringify({ accounts: [], tokens: [] }),
    });
    const store = writer(transport);
    // Another writer overwrites the index with its own (stale) copy after every write of ours.
    transport.intercept((call) => {
      if (call.operation === 'GetSecretValue' && call.secret === 'mg/index') {
        transport.secrets.set('mg/index', JSON.stringify({ accounts: ['other'], tokens: [] }));
      }
    });
    const error = await store.putAccount('work', buildAccountDocument()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MailgateError);
    expect((error as MailgateError).code).toBe('internal_error');
    expect((error as MailgateError).detail).toBe(
      `Could not update the credential store's index "mg/index": concurrent changes overwrote it 4 times.`,
    );
    expect((error as Error).message).not.toContain(PASSWORD);
    const writes = transport.calls.filter((c) => c.operation === 'PutSecretValue' && c.secret === 'mg/index');
    expect(writes).toHaveLength(4);
    for (const write of writes) {
      expect(JSON.parse(String(write.body.SecretString)).accounts).toEqual(['other', 'work']);
    }
  });

  it('reads the index back only after the settle time', async () => {
    const transport = createFakeSecretsTransport();
    const at: Array<[string, number]> = [];
    transport.intercept((call) => {
      if (call.secret === 'mg/index') at.push([call.operation, performance.now()]);
    });
    await writer(transport, 40).createToken({ accounts: '*', scope: 'read' });
    expect(at.map(([operation]) => operation)).toEqual([
      'GetSecretValue',
      'PutSecretValue',
      'CreateSecret',
      'GetSecretValue',
    ]);
    const written = at[2]?.[1] ?? Number.NaN;
    const readBack = at[3]?.[1] ?? Number.NaN;
    expect(readBack - written).toBeGreaterThanOrEqual(39);
  });
});

describe('SecretsManagerCredentialStore: a token the index lost', () => {
  it('still verifies, reading an unlisted token secret at most once per 5 s per process', async () => {
    const { store: admin, transport } = setup();
    const lost = await admin.createToken({ accounts: '*', scope: 'write' });
    const alsoLost = await admin.createToken({ accounts: '*', scope: 'read' });
    // The index lost both ids (written over by a writer that read it before).
    transport.secrets.set('mg/index', JSON.stringify({ accounts: [], tokens: [] }));
    transport.take();
    let now = 7_000_000;
    const runtime = new SecretsManagerCredentialStore({
      prefix: 'mg/',
      cacheSeconds: 300,
      client: transport.client,
      now: () => now,
    });

    expect((await runtime.verifyToken(lost.token))?.scope).toBe('write');
    expect(transport.take()).toEqual([
      'GetSecretValue mg/index',
      `GetSecretValue mg/tokens/${lost.record.tokenId}`,
    ]);

    // Within the interval, another unlisted id costs no call and is refused.
    now += 1_000;
    expect(await runtime.verifyToken(alsoLost.token)).toBeUndefined();
    expect(transport.take()).toEqual([]);
    // The one read is cached like any other.
    expect((await runtime.verifyToken(lost.token))?.scope).toBe('write');
    expect(transport.take()).toEqual([]);

    now += 4_000;
    expect((await runtime.verifyToken(alsoLost.token))?.scope).toBe('read');
    expect(transport.take()).toEqual([
      'GetSecretValue mg/index',
      `GetSecretValue mg/tokens/${alsoLost.record.tokenId}`,
    ]);
    // Both are remembered: they keep working without spending the interval's read.
    now += 1_000;
    expect((await runtime.verifyToken(lost.token))?.scope).toBe('write');
    expect((await runtime.verifyToken(alsoLost.token))?.scope).toBe('read');
    expect(transport.take()).toEqual([]);
  });
});

describe('SecretsManagerCredentialStore: the KMS key of new secrets', () => {
  const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  it('creates every new secret (account, token, OAuth app, index) with the configured key', async () => {
    const transport = createFakeSecretsTransport();
    const store = new SecretsManagerCredentialStore({
      prefix: 'mg/',
      cacheSeconds: 0,
      client: transport.client,
      indexSettleMs: 0,
      kmsKeyId: KEY_ARN,
    });
    await store.putAccount('work', buildAccountDocument());
    const { record } = await store.createToken({ accounts: '*', scope: 'read' });
    await store.putOAuthApp('shared', { provider: 'google', clientId: 'c', clientSecret: 'app-secret' });
    const created = transport.calls.filter((call) => call.operation === 'CreateSecret');
    expect(created.map((call) => call.secret).sort()).toEqual(
      ['mg/accounts/work', 'mg/index', `mg/tokens/${record.tokenId}`, 'mg/oauth-apps/shared'].sort(),
    );
    for (const call of created) expect(call.body.KmsKeyId).toBe(KEY_ARN);
    // A new version of a secret that exists keeps that secret's key: PutSecretValue takes none.
    const puts = transport.calls.filter((call) => call.operation === 'PutSecretValue');
    expect(puts.length).toBeGreaterThan(0);
    for (const call of puts) expect(call.body).not.toHaveProperty('KmsKeyId');
  });

  it('sends no key without one configured (the AWS managed aws/secretsmanager key)', async () => {
    const { store, transport } = setup();
    await store.putAccount('work', buildAccountDocument());
    const created = transport.calls.filter((call) => call.operation === 'CreateSecret');
    expect(created).toHaveLength(2);
    for (const call of created) expect(call.body).not.toHaveProperty('KmsKeyId');
  });
});
