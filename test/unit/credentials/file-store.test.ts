import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileCredentialStore } from '../../../lib/credentials/file-store.js';
import { ConfigurationError } from '../../../lib/mail/errors.js';
import { buildAccountDocument } from './build-account-document.js';

const PASSWORD = 'S3cret-Pa55word-never-shown';

let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailgate-file-store-'));
  path = join(dir, 'nested', 'accounts.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectConfigurationError(promise: Promise<unknown>): Promise<ConfigurationError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigurationError);
  return error as ConfigurationError;
}

describe('FileCredentialStore', () => {
  it('treats a missing file as an empty store', async () => {
    const store = new FileCredentialStore({ path });
    expect(await store.listAccountIds()).toEqual([]);
    expect(await store.getAccount('work')).toBeUndefined();
    expect(await store.listTokens()).toEqual([]);
  });

  it('round-trips an account through the file, creating the directory, with mode 0600', async () => {
    const store = new FileCredentialStore({ path });
    const document = buildAccountDocument({ tlsOptions: { servername: 'mail.test' } });
    await store.putAccount('work', document);

    expect(await store.getAccount('work')).toEqual({ ...document, id: 'work' });
    expect(await store.listAccountIds()).toEqual(['work']);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const onDisk = JSON.parse(await readFile(path, 'utf8'));
    expect(onDisk).toEqual({ accounts: { work: document }, tokens: {} });

    const reopened = new FileCredentialStore({ path });
    expect(await reopened.getAccount('work')).toEqual({ ...document, id: 'work' });
  });

  it('leaves no temporary files behind and keeps the previous content on rewrite', async () => {
    const store = new FileCredentialStore({ path });
    await store.putAccount('a', buildAccountDocument());
    await store.putAccount('b', buildAccountDocument({ protocol: 'pop3', port: 995 }));
    expect(await readdir(join(dir, 'nested'))).toEqual(['accounts.json']);
    expect(await store.listAccountIds()).toEqual(['a', 'b']);
  });

  it('never shows a reader a half-written file while it is being rewritten', async () => {
    const writer = new FileCredentialStore({ path });
    await writer.putAccount('work', buildAccountDocument());
    let writing = true;
    const writes = (async () => {
      for (let i = 0; i < 30; i += 1) {
        await writer.putAccount(`acct${i}`, buildAccountDocument({ user: 'x'.repeat(2000 + i) }));
      }
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const reader = new FileCredentialStore({ path });
      expect((await reader.getAccount('work'))?.user).toBe('alice');
      reads += 1;
    }
    await writes;
    expect(reads).toBeGreaterThan(0);
    expect(await writer.listAccountIds()).toHaveLength(31);
  });

  it('sees edits made by another writer without a restart', async () => {
    const server = new FileCredentialStore({ path });
    const cli = new FileCredentialStore({ path });
    expect(await server.getAccount('work')).toBeUndefined();
    await cli.putAccount('work', buildAccountDocument());
    expect((await server.getAccount('work'))?.user).toBe('alice');
    await cli.putAccount('work', buildAccountDocument({ password: 'rotated-password' }));
    expect((await server.getAccount('work'))?.password).toBe('rotated-password');
    expect(await cli.removeAccount('work')).toBe(true);
    expect(await server.getAccount('work')).toBeUndefined();
    expect(await cli.removeAccount('work')).toBe(false);
  });

  it('refuses to store an invalid document and keeps the file as it was', async () => {
    const store = new FileCredentialStore({ path });
    await store.putAccount('work', buildAccountDocument());
    const error = await expectConfigurationError(
      store.putAccount('work', buildAccountDocument({ tls: 'none' })),
    );
    expect(error.detail).toContain('account "work"');
    expect(error.detail).toContain('field "tls"');
    expect((await store.getAccount('work'))?.tls).toBe('implicit');
  });

  it('names the account and field of a malformed document, never the password', async () => {
    const bad = { ...buildAccountDocument(), port: 'nine-nine-three' };
    await writeFile(
      path.replace('nested/', ''),
      JSON.stringify({ accounts: { work: bad, ok: buildAccountDocument() } }),
    );
    const store = new FileCredentialStore({ path: path.replace('nested/', '') });

    const error = await expectConfigurationError(store.getAccount('work'));
    expect(error.detail).toBe('account "work": field "port": expected number');
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).not.toContain('nine-nine-three');
    expect((await store.getAccount('ok'))?.user).toBe('alice');
  });

  it.each([
    ['a password of the wrong type', { password: 12345 }, 'field "password"'],
    ['an unknown key', { passwd: PASSWORD }, 'passwd'],
    ['both password and oauth2', { oauth2: { accessToken: PASSWORD } }, 'field "password"'],
    [
      'a bad tlsOptions field',
      { tlsOptions: { ca: PASSWORD, rejectUnauthorized: 'no' } },
      'field "tlsOptions.rejectUnauthorized"',
    ],
  ])('reports %s without any value from the document', async (_name, change, expected) => {
    const file = join(dir, 'accounts.json');
    await writeFile(file, JSON.stringify({ accounts: { work: { ...buildAccountDocument(), ...change } } }));
    const error = await expectConfigurationError(new FileCredentialStore({ path: file }).getAccount('work'));
    expect(error.detail).toContain('account "work"');
    expect(error.detail).toContain(expected);
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).not.toContain('12345');
  });

  it('reports a file that is not JSON by name, without quoting it', async () => {
    const file = join(dir, 'accounts.json');
    await writeFile(file, `{"accounts": {"work": {"password": "${PASSWORD}", }}}`);
    const error = await expectConfigurationError(new FileCredentialStore({ path: file }).listAccountIds());
    expect(error.detail).toBe(`credential file "${file}" is not valid JSON`);
    expect(error.message).not.toContain(PASSWORD);
    expect(error.cause).toBeUndefined();
  });

  it('reports a JSON file of the wrong shape', async () => {
    const file = join(dir, 'accounts.json');
    await writeFile(file, '{"accounts": []}');
    const error = await expectConfigurationError(new FileCredentialStore({ path: file }).listAccountIds());
    expect(error.detail).toContain(file);
  });

  it('does not treat inherited object keys as accounts', async () => {
    const store = new FileCredentialStore({ path });
    await store.putAccount('work', buildAccountDocument());
    expect(await store.getAccount('constructor')).toBeUndefined();
    expect(await store.getAccount('toString')).toBeUndefined();
  });
});

describe('FileCredentialStore tokens', () => {
  it('verifies a created token with its scope and accounts', async () => {
    const store = new FileCredentialStore({ path });
    const read = await store.createToken({ accounts: ['work'], scope: 'read', label: 'phone' });
    const write = await store.createToken({ accounts: '*', scope: 'write' });

    expect(await store.verifyToken(read.token)).toEqual({
      tokenId: read.record.tokenId,
      accounts: ['work'],
      scope: 'read',
    });
    expect(await store.verifyToken(write.token)).toEqual({
      tokenId: write.record.tokenId,
      accounts: '*',
      scope: 'write',
    });
  });

  it('rejects a wrong secret for a known id, and malformed tokens', async () => {
    const store = new FileCredentialStore({ path });
    const { token, record } = await store.createToken({ accounts: '*', scope: 'write' });
    const forged = `mg_${record.tokenId}_${'A'.repeat(43)}`;
    expect(await store.verifyToken(forged)).toBeUndefined();
    expect(await store.verifyToken(token.slice(0, -1))).toBeUndefined();
    expect(await store.verifyToken('Bearer nonsense')).toBeUndefined();
  });

  it('stops accepting a revoked token, even in a store that had it cached', async () => {
    const server = new FileCredentialStore({ path });
    const cli = new FileCredentialStore({ path });
    const { token, record } = await cli.createToken({ accounts: '*', scope: 'read' });
    expect(await server.verifyToken(token)).toBeDefined();
    expect(await cli.revokeToken(record.tokenId)).toBe(true);
    expect(await server.verifyToken(token)).toBeUndefined();
    expect(await cli.revokeToken(record.tokenId)).toBe(false);
  });

  it('never writes the token in clear', async () => {
    const store = new FileCredentialStore({ path });
    const { token, record } = await store.createToken({ accounts: ['work'], scope: 'write', label: 'x' });
    const secret = token.slice(`mg_${record.tokenId}_`.length);
    const onDisk = await readFile(path, 'utf8');
    expect(onDisk).not.toContain(token);
    expect(onDisk).not.toContain(secret);
    expect(onDisk).toContain(record.hash);
    expect(await store.listTokens()).toEqual([record]);
  });

  it('reports a tampered token record by id and field', async () => {
    const store = new FileCredentialStore({ path });
    const { token, record } = await store.createToken({ accounts: '*', scope: 'read' });
    const contents = JSON.parse(await readFile(path, 'utf8'));
    contents.tokens[record.tokenId].scope = 'owner';
    await writeFile(path, JSON.stringify(contents));
    const error = await expectConfigurationError(store.verifyToken(token));
    expect(error.detail).toContain(`token "${record.tokenId}": field "scope"`);
  });

  it('stores admin tokens for every account, and refuses an admin record limited to some', async () => {
    const store = new FileCredentialStore({ path });
    const { token, record } = await store.createToken({ accounts: '*', scope: 'admin', label: 'onboarding' });
    expect(await store.verifyToken(token)).toEqual({
      tokenId: record.tokenId,
      accounts: '*',
      scope: 'admin',
    });
    await expect(store.createToken({ accounts: ['work'], scope: 'admin' })).rejects.toThrow(RangeError);
    const contents = JSON.parse(await readFile(path, 'utf8'));
    contents.tokens[record.tokenId].accounts = ['work'];
    await writeFile(path, JSON.stringify(contents));
    const error = await expectConfigurationError(store.verifyToken(token));
    expect(error.detail).toContain(
      `token "${record.tokenId}": field "accounts": an admin token grants every account`,
    );
  });
});

describe('FileCredentialStore concurrent writers', () => {
  it('loses no update when stores interleave their read-modify-write', async () => {
    const stores = [new FileCredentialStore({ path }), new FileCredentialStore({ path })];
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) => stores[i % 2]!.createToken({ accounts: '*', scope: 'read' })),
    );
    const stored = await new FileCredentialStore({ path }).listTokens();
    expect(stored.map((r) => r.tokenId).sort()).toEqual(created.map((c) => c.record.tokenId).sort());
    expect((await readdir(join(dir, 'nested'))).sort()).toEqual(['accounts.json']);
  });

  it('a revoke interleaved with creates stays revoked', async () => {
    const store = new FileCredentialStore({ path });
    const victim = await store.createToken({ accounts: '*', scope: 'read' });
    await Promise.all([
      new FileCredentialStore({ path }).createToken({ accounts: '*', scope: 'read' }),
      new FileCredentialStore({ path }).revokeToken(victim.record.tokenId),
      new FileCredentialStore({ path }).createToken({ accounts: '*', scope: 'read' }),
    ]);
    expect(await store.verifyToken(victim.token)).toBeUndefined();
    expect(await store.listTokens()).toHaveLength(2);
  });

  it('waits for a lock a live process holds, then gives up with an internal error naming the file', async () => {
    const store = new FileCredentialStore({ path, lock: { waitMs: 200 } });
    await store.createToken({ accounts: '*', scope: 'read' });
    await writeFile(`${path}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), nonce: 'held' }));
    const failed = await store.createToken({ accounts: '*', scope: 'read' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failed).toMatchObject({ code: 'internal_error' });
    expect((failed as Error).message).toContain(path);
    expect(await store.listTokens()).toHaveLength(1);
  });

  it('recovers a lock older than staleMs even when its holder still runs', async () => {
    const store = new FileCredentialStore({ path, lock: { waitMs: 5_000, staleMs: 1_000 } });
    await store.createToken({ accounts: '*', scope: 'read' });
    await writeFile(`${path}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), nonce: 'old' }));
    const past = new Date(Date.now() - 60_000);
    await utimes(`${path}.lock`, past, past);
    await store.createToken({ accounts: '*', scope: 'read' });
    expect(await store.listTokens()).toHaveLength(2);
    await expect(stat(`${path}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
