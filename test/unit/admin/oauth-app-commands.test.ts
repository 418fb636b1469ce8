import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileCredentialStore } from '../../../lib/credentials/file-store.js';
import { runOAuthCli } from './oauth-cli-kit.js';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailgate-oauth-app-'));
  file = join(dir, 'accounts.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const SECRET = 'app-Secret-0123456789';

async function addApps(): Promise<void> {
  const ms = await runOAuthCli(
    [
      'oauth-app',
      'add',
      'm365',
      '--provider',
      'microsoft',
      '--tenant',
      'contoso.onmicrosoft.com',
      '--client-id',
      'ms-client',
      '--client-secret-stdin',
      '--file',
      file,
    ],
    { cwd: dir, input: `${SECRET}\n` },
  );
  expect(ms.stderr).toBe('');
  expect(ms.status).toBe(0);
  const google = await runOAuthCli(
    ['oauth-app', 'add', 'gmail', '--provider', 'google', '--client-id', 'g-client', '--file', file],
    { cwd: dir },
  );
  expect(google.stdout).toBe('Added OAuth app "gmail" (google, client g-client, public client).\n');
}

describe('oauth-app', () => {
  it('adds apps with and without a secret, and lists them without the secret', async () => {
    await addApps();
    const store = new FileCredentialStore({ path: file });
    expect(await store.getOAuthApp('m365')).toEqual({
      provider: 'microsoft',
      tenant: 'contoso.onmicrosoft.com',
      clientId: 'ms-client',
      clientSecret: SECRET,
    });
    expect(await store.getOAuthApp('gmail')).toEqual({ provider: 'google', clientId: 'g-client' });

    const list = await runOAuthCli(['oauth-app', 'list', '--file', file], { cwd: dir });
    expect(list.status).toBe(0);
    expect(list.stdout).toBe(
      [
        'NAME   PROVIDER   CLIENT ID  TENANT                   SECRET',
        'gmail  google     g-client                            no',
        'm365   microsoft  ms-client  contoso.onmicrosoft.com  yes',
        '',
      ].join('\n'),
    );
    expect(list.stdout + list.stderr).not.toContain(SECRET);
  });

  it('replaces an app of the same name, saying so', async () => {
    await addApps();
    const again = await runOAuthCli(
      ['oauth-app', 'add', 'gmail', '--provider', 'google', '--client-id', 'g-client-2', '--file', file],
      { cwd: dir },
    );
    expect(again.stdout).toContain('Updated OAuth app "gmail"');
    expect((await new FileCredentialStore({ path: file }).getOAuthApp('gmail'))?.clientId).toBe('g-client-2');
  });

  it('removes an app, warning about the accounts that name it', async () => {
    await addApps();
    const store = new FileCredentialStore({ path: file });
    await store.putAccount('work', {
      protocol: 'imap',
      host: 'outlook.office365.com',
      port: 993,
      tls: 'implicit',
      user: 'ann@contoso.com',
      oauth2: { app: 'm365', refreshToken: 'rt-kept-quiet' },
    });
    const removed = await runOAuthCli(['oauth-app', 'remove', 'm365', '--file', file], { cwd: dir });
    expect(removed.status).toBe(0);
    expect(removed.stdout).toBe('Removed OAuth app "m365".\n');
    expect(removed.stderr).toContain('accounts work name this app');
    expect(await store.getOAuthApp('m365')).toBeUndefined();

    const quiet = await runOAuthCli(['oauth-app', 'remove', 'gmail', '--file', file], { cwd: dir });
    expect(quiet.stderr).toBe('');
    const ghost = await runOAuthCli(['oauth-app', 'remove', 'gmail', '--file', file], { cwd: dir });
    expect(ghost.status).toBe(1);
    expect(ghost.stderr).toBe('mailgate: no OAuth app "gmail"\n');
  });

  it.each([
    [['oauth-app', 'add', 'a/b', '--provider', 'google', '--client-id', 'x'], 'OAuth app names are'],
    [['oauth-app', 'add', 'a', '--provider', 'yahoo', '--client-id', 'x'], '--provider must be one of'],
    [['oauth-app', 'add', 'a', '--provider', 'custom', '--client-id', 'x'], 'tokenUrl'],
    [['oauth-app', 'add', 'a', '--provider', 'google', '--client-id', 'x', '--tenant', 't'], 'tenant'],
    [
      [
        'oauth-app',
        'add',
        'a',
        '--provider',
        'google',
        '--client-id',
        'x',
        '--token-url',
        'http://t.example/',
      ],
      'https URL',
    ],
    [
      ['oauth-app', 'add', 'a', '--provider', 'google', '--client-id', 'x', '--user', 'u'],
      'does not take --user',
    ],
  ])('exits 2 for %j without asking for a secret', async (argv, message) => {
    const run = await runOAuthCli([...argv, '--client-secret-stdin', '--file', file], {
      cwd: dir,
      input: `${SECRET}\n`,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain('Client secret');
  });
});
