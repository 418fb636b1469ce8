import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCredentialStore } from '../../../lib/credentials/file-store.js';

const BIN = resolve(import.meta.dirname, '../../../bin/mailgate.js');
const PASSWORD = 'pipe-Pa55word-not-echoed';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real executable with no MAILGATE_* settings inherited from the caller's environment. */
function mailgate(args: string[], options: { cwd: string; input?: string }): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MAILGATE_')));
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

const ACCOUNT_OPTIONS = ['--protocol', 'imap', '--host', '127.0.0.1', '--port', '993', '--tls', 'implicit'];

let dir: string;
let file: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailgate-cli-'));
  file = join(dir, 'store', 'accounts.json');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mailgate CLI', { timeout: 60_000 }, () => {
  it('adds an account with the password from stdin, stores it 0600 and never echoes it', async () => {
    const add = await mailgate(
      ['account', 'add', 'work', ...ACCOUNT_OPTIONS, '--user', 'alice', '--file', file],
      {
        cwd: dir,
        input: `${PASSWORD}\n`,
      },
    );
    expect(add).toMatchObject({ status: 0 });
    expect(add.stdout).toContain('Added account "work"');
    expect(add.stdout + add.stderr).not.toContain(PASSWORD);

    const stored = JSON.parse(await readFile(file, 'utf8'));
    expect(stored.accounts.work).toEqual({
      protocol: 'imap',
      host: '127.0.0.1',
      port: 993,
      tls: 'implicit',
      user: 'alice',
      password: PASSWORD,
    });
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const list = await mailgate(['account', 'list', '--file', file], { cwd: dir });
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/work\s+imap\s+127\.0\.0\.1:993\s+alice/);
    expect(list.stdout + list.stderr).not.toContain(PASSWORD);
  });

  it('creates a token the store verifies, lists it without the token, and revokes it', async () => {
    const create = await mailgate(
      ['token', 'create', '--accounts', 'work', '--scope', 'read', '--label', 'phone', '--file', file],
      { cwd: dir },
    );
    expect(create.status).toBe(0);
    const token = create.stdout.trim();
    const store = new FileCredentialStore({ path: file });
    const grant = await store.verifyToken(token);
    expect(grant).toMatchObject({ accounts: ['work'], scope: 'read' });
    expect(await readFile(file, 'utf8')).not.toContain(token);

    const list = await mailgate(['token', 'list', '--file', file], { cwd: dir });
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${grant?.tokenId}\\s+read\\s+work\\s+phone`));
    expect(list.stdout).not.toContain(token);
    const [record] = await store.listTokens();
    expect(list.stdout).not.toContain(record?.hash);

    const revoke = await mailgate(['token', 'revoke', grant?.tokenId ?? '', '--file', file], { cwd: dir });
    expect(revoke.status).toBe(0);
    expect(await store.verifyToken(token)).toBeUndefined();
  });

  it('stores an OAuth2 access token read from stdin, in the default file under the working directory', async () => {
    const add = await mailgate(
      ['account', 'add', 'oauth', ...ACCOUNT_OPTIONS, '--user', 'bob', '--oauth2', '--insecure'],
      {
        cwd: dir,
        input: 'ya29.access-token',
      },
    );
    expect(add.status).toBe(0);
    expect(add.stderr).toContain('certificate verification is off');
    const stored = JSON.parse(await readFile(join(dir, '.mailgate', 'accounts.json'), 'utf8'));
    expect(stored.accounts.oauth.oauth2).toEqual({ accessToken: 'ya29.access-token' });
    expect(stored.accounts.oauth.password).toBeUndefined();
    expect(stored.accounts.oauth.tlsOptions).toEqual({ rejectUnauthorized: false });
  });

  it('exits 2 with the usage on stderr for a usage error, and never takes a password from argv', async () => {
    const args = [
      'account',
      'add',
      'x',
      ...ACCOUNT_OPTIONS,
      '--user',
      'u',
      '--password',
      'p',
      '--file',
      file,
    ];
    const run = await mailgate(args, { cwd: dir, input: 'secret\n' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("Unknown option '--password'");
    expect(run.stderr).toContain('Usage: mailgate');
    expect(run.stdout).toBe('');
  });

  it('exits 1 with a message for an operational error, never quoting the store', async () => {
    const broken = join(dir, 'broken.json');
    await writeFile(broken, `{"accounts": {"x": {"password": "${PASSWORD}"}`);
    const list = await mailgate(['account', 'list', '--file', broken], { cwd: dir });
    expect(list.status).toBe(1);
    expect(list.stderr).toBe(`mailgate: credential file "${broken}" is not valid JSON\n`);
    expect(list.stdout).toBe('');
  });

  it('prints the usage, with the Secrets Manager permissions, for --help', async () => {
    const help = await mailgate(['--help'], { cwd: dir });
    expect(help.status).toBe(0);
    for (const action of [
      'CreateSecret',
      'PutSecretValue',
      'GetSecretValue',
      'DeleteSecret',
      'DescribeSecret',
    ]) {
      expect(help.stdout).toContain(`secretsmanager:${action}`);
    }
  });
});
