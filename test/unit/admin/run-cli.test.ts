import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliEnvironment, runCli } from '../../../lib/admin/run-cli.js';
import { createCredentialStore } from '../../../lib/credentials/create-store.js';
import { FileCredentialStore } from '../../../lib/credentials/file-store.js';
import { SecretsManagerCredentialStore } from '../../../lib/credentials/secrets-manager-store.js';
import { createFakeSecretsTransport } from '../credentials/fake-secrets-transport.js';

function buildIo(overrides: Partial<CliEnvironment> & { input?: string } = {}) {
  const out = { stdout: '', stderr: '' };
  const io: CliEnvironment = {
    stdin: Readable.from([Buffer.from(overrides.input ?? '')]),
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text) },
    env: {},
    cwd: dir,
    ...overrides,
  };
  return { io, out };
}

const IMAP = [
  '--protocol',
  'imap',
  '--host',
  '127.0.0.1',
  '--port',
  '993',
  '--tls',
  'implicit',
  '--user',
  'u',
];

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailgate-run-cli-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runCli usage errors', () => {
  it.each([
    ['no command', [], 'no command given'],
    ['an unknown command', ['account', 'rename', 'x'], 'unknown command "account rename"'],
    ['a missing id', ['account', 'remove'], '"account remove" takes <id>'],
    ['an extra argument', ['token', 'list', 'extra'], '"token list" takes no arguments'],
    [
      'an option of another command',
      ['account', 'list', '--scope', 'read'],
      '"account list" does not take --scope',
    ],
    [
      'a missing option',
      ['account', 'add', 'x', ...IMAP.slice(0, 4), ...IMAP.slice(6)],
      '--port is required',
    ],
    [
      'a bad port',
      ['account', 'add', 'x', ...IMAP.slice(0, 5), '99999', ...IMAP.slice(6)],
      '--port must be a number',
    ],
    [
      'a bad protocol',
      ['account', 'add', 'x', '--protocol', 'smtp', ...IMAP.slice(2)],
      '--protocol must be one of imap, pop3',
    ],
    ['a bad account id', ['account', 'add', '-', ...IMAP], 'account ids are'],
    [
      'plaintext without consent',
      ['account', 'add', 'x', ...IMAP.slice(0, 6), '--tls', 'none', ...IMAP.slice(8)],
      '--allow-plaintext',
    ],
    [
      'a bad scope',
      ['token', 'create', '--accounts', '*', '--scope', 'owner'],
      '--scope must be one of read, write, admin',
    ],
    [
      'an admin token limited to some accounts',
      ['token', 'create', '--accounts', '*', '--scope', 'admin'],
      '--scope admin manages every account; it takes no --accounts',
    ],
    ['a read token without accounts', ['token', 'create', '--scope', 'read'], '--accounts is required'],
    ['a bad account list', ['token', 'create', '--accounts', 'a,,b', '--scope', 'read'], '--accounts'],
    ['a bad store', ['account', 'list', '--store', 'redis'], '--store must be file or secretsmanager'],
    [
      '--prefix with the file store',
      ['account', 'list', '--prefix', 'x/'],
      '--prefix applies to the secretsmanager store',
    ],
  ])('exits 2 for %s', async (_name, argv, message) => {
    const { io, out } = buildIo({ input: 'pw\n' });
    expect(await runCli(argv, io)).toBe(2);
    expect(out.stderr).toContain(message);
    expect(out.stderr).toContain('Usage: mailgate');
    expect(out.stdout).toBe('');
  });

  it('reports a missing --ca-file as an operational error', async () => {
    const { io, out } = buildIo({ input: 'pw\n' });
    expect(await runCli(['account', 'add', 'x', ...IMAP, '--ca-file', 'missing.pem'], io)).toBe(1);
    expect(out.stderr).toContain('missing.pem');
  });

  it('exits 1 for an unknown account or token, and for an empty password, leaving the store alone', async () => {
    const file = join(dir, 'accounts.json');
    const remove = buildIo();
    expect(await runCli(['account', 'remove', 'ghost', '--file', file], remove.io)).toBe(1);
    expect(remove.out.stderr).toBe('mailgate: no account "ghost"\n');
    const revoke = buildIo();
    expect(await runCli(['token', 'revoke', 'abcdefghijkl', '--file', file], revoke.io)).toBe(1);
    expect(revoke.out.stderr).toBe('mailgate: no token "abcdefghijkl"\n');
    const empty = buildIo({ input: '' });
    expect(await runCli(['account', 'add', 'y', ...IMAP, '--file', file], empty.io)).toBe(1);
    expect(empty.out.stderr).toContain('no secret');
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a token for an account that does not exist', async () => {
    const { io, out } = buildIo();
    expect(await runCli(['token', 'create', '--accounts', 'typo', '--scope', 'read'], io)).toBe(1);
    expect(out.stderr).toBe('mailgate: no such account: typo\n');
    expect(out.stdout).toBe('');
  });
});

describe('runCli admin tokens', () => {
  it('creates an admin token without --accounts, stores it for every account, and lists it', async () => {
    const file = join(dir, 'accounts.json');
    const create = buildIo();
    expect(
      await runCli(
        ['token', 'create', '--scope', 'admin', '--label', 'onboarding', '--file', file],
        create.io,
      ),
    ).toBe(0);
    const token = create.out.stdout.trim();
    expect(token).toMatch(/^mg_[a-z0-9]{12}_/);
    expect(create.out.stderr).toContain('(admin; the account API: accounts and tokens, no mail)');
    const store = new FileCredentialStore({ path: file });
    expect(await store.verifyToken(token)).toMatchObject({ scope: 'admin', accounts: '*' });

    const list = buildIo();
    expect(await runCli(['token', 'list', '--file', file], list.io)).toBe(0);
    expect(list.out.stdout).toMatch(/[a-z0-9]{12}\s+admin\s+\*\s+onboarding/);
    expect(list.out.stdout).not.toContain(token);
  });
});

describe('runCli with the Secrets Manager store', () => {
  it('uses --prefix and writes secrets that the runtime store reads', async () => {
    const transport = createFakeSecretsTransport();
    const createStore: CliEnvironment['createStore'] = (config) =>
      new SecretsManagerCredentialStore({
        prefix: config.MAILGATE_SECRET_PREFIX,
        cacheSeconds: 0,
        client: transport.client,
      });
    const add = buildIo({ input: 'sm-password\n', createStore });
    expect(
      await runCli(
        ['account', 'add', 'work', ...IMAP, '--store', 'secretsmanager', '--prefix', 'team/'],
        add.io,
      ),
    ).toBe(0);
    expect(JSON.parse(transport.secrets.get('team/accounts/work') ?? '').password).toBe('sm-password');
    expect(JSON.parse(transport.secrets.get('team/index') ?? '')).toEqual({ accounts: ['work'], tokens: [] });

    const token = buildIo({
      createStore,
      env: { MAILGATE_STORE: 'secretsmanager', MAILGATE_SECRET_PREFIX: 'team/' },
    });
    expect(await runCli(['token', 'create', '--accounts', 'work', '--scope', 'write'], token.io)).toBe(0);
    const runtime = new SecretsManagerCredentialStore({
      prefix: 'team/',
      cacheSeconds: 60,
      client: transport.client,
    });
    expect(await runtime.verifyToken(token.out.stdout.trim())).toMatchObject({
      accounts: ['work'],
      scope: 'write',
    });
  });

  it('creates secrets with the KMS key MAILGATE_SECRETS_KMS_KEY_ID names in its environment', async () => {
    const key = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const transport = createFakeSecretsTransport();
    const { io } = buildIo({
      input: 'kms-password\n',
      env: { MAILGATE_SECRETS_KMS_KEY_ID: key },
      createStore: (config, cwd) =>
        createCredentialStore(config, { cwd, secretsManagerClient: transport.client }),
    });
    expect(await runCli(['account', 'add', 'work', ...IMAP, '--store', 'secretsmanager'], io)).toBe(0);
    const created = transport.calls.filter((call) => call.operation === 'CreateSecret');
    expect(created.map((call) => call.secret)).toEqual(['mailgate/accounts/work', 'mailgate/index']);
    for (const call of created) expect(call.body.KmsKeyId).toBe(key);
  });

  it('shows the AWS error behind a failed write, such as a missing permission', async () => {
    const transport = createFakeSecretsTransport();
    transport.failWith('AccessDeniedException');
    const { io, out } = buildIo({
      input: 'pw\n',
      createStore: () =>
        new SecretsManagerCredentialStore({ prefix: 'p/', cacheSeconds: 0, client: transport.client }),
    });
    expect(await runCli(['account', 'add', 'work', ...IMAP, '--store', 'secretsmanager'], io)).toBe(1);
    expect(out.stderr).toContain('AccessDeniedException');
    expect(out.stderr).not.toContain('pw');
  });
});
