import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileCredentialStore } from '../../../lib/credentials/file-store.js';
import { type FakeIdp, startFakeIdp } from '../../support/fake-idp/index.js';
import { browse, redirectTarget, runOAuthCli, startTokenProxy } from './oauth-cli-kit.js';

/** `account oauth` without a browser on this machine, and providers that answer less than asked. */
let idp: FakeIdp;
let dir: string;
let file: string;
let clients = 0;

beforeAll(async () => {
  idp = await startFakeIdp();
});
afterAll(() => idp.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailgate-oauth-modes-'));
  file = join(dir, 'accounts.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function newClient(consentUser = 'dana@example.test'): Promise<string> {
  clients += 1;
  const clientId = `consent-modes-${clients}`;
  await idp.control.configureClient({ clientId, consentUser });
  return clientId;
}

function customArgs(
  clientId: string,
  options: { tokenUrl?: string; scope?: string } = {},
  ...extra: string[]
): string[] {
  return [
    'account',
    'oauth',
    'work',
    '--provider',
    'custom',
    '--client-id',
    clientId,
    '--authorize-url',
    `${idp.url}/authorize`,
    '--token-url',
    options.tokenUrl ?? `${idp.url}/token`,
    '--scope',
    options.scope ?? 'openid email offline_access',
    '--host',
    '127.0.0.1',
    '--port',
    '1995',
    '--protocol',
    'pop3',
    '--file',
    file,
    ...extra,
  ];
}

async function nothingStored(): Promise<void> {
  await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
}

describe('account oauth --no-browser', () => {
  it('runs the device flow where the provider has a device endpoint, printing the page and the code', async () => {
    const clientId = await newClient('erin@example.test');
    const run = await runOAuthCli(
      customArgs(clientId, {}, '--device-url', `${idp.url}/device`, '--no-browser'),
      {
        cwd: dir,
      },
    );
    expect(run.stderr).not.toContain('mailgate:');
    expect(run.status).toBe(0);
    const [page, code, summary] = run.stdout.split('\n');
    expect(page).toBe(`${idp.url}/device/verify`);
    expect(code).toMatch(/^[0-9A-F]{8}$/);
    expect(summary).toBe(
      'Added account "work" (pop3 127.0.0.1:1995, user erin@example.test, OAuth2 custom).',
    );
    expect(run.stderr).toContain('enter this code');
    const stats = await idp.control.stats(clientId);
    expect(stats.deviceGrants).toBe(1);
    const account = await new FileCredentialStore({ path: file }).getAccount('work');
    expect(account).toMatchObject({ protocol: 'pop3', user: 'erin@example.test' });
    expect(stats.liveRefreshTokens).toEqual([account?.oauth2?.refreshToken]);
    expect(run.stdout + run.stderr).not.toContain(account?.oauth2?.refreshToken);
  });

  it('without a device endpoint, takes the address the browser was sent to, pasted', async () => {
    const clientId = await newClient('frank@example.test');
    const stdin = new PassThrough();
    const run = await runOAuthCli(customArgs(clientId, {}, '--no-browser'), {
      cwd: dir,
      stdin,
      onUrl: async (url) => {
        const target = await redirectTarget(url);
        stdin.write(`  ${target.href}  \n`);
      },
    });
    expect(run.stderr).not.toContain('mailgate:');
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('fails to load');
    expect(run.stderr).toContain('Address the browser was sent to: ');
    const account = await new FileCredentialStore({ path: file }).getAccount('work');
    expect(account?.user).toBe('frank@example.test');
    expect((await idp.control.stats(clientId)).codeGrants).toBe(1);
  });

  it('refuses a pasted address that is not the redirect it asked for', async () => {
    const clientId = await newClient();
    const stdin = new PassThrough();
    const run = await runOAuthCli(customArgs(clientId, {}, '--no-browser'), {
      cwd: dir,
      stdin,
      onUrl: async (url) => {
        const target = await redirectTarget(url);
        target.port = String(Number(target.port) === 65535 ? 49152 : Number(target.port) + 1);
        stdin.write(`${target.href}\n`);
      },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('the pasted address does not start with http://127.0.0.1:');
    expect((await idp.control.stats(clientId)).codeGrants).toBe(0);
    await nothingStored();
  });
});

describe('account oauth: answers that cannot serve a mailbox', () => {
  it('refuses a token answer without a refresh token, saying why', async () => {
    const clientId = await newClient();
    const proxy = await startTokenProxy(`${idp.url}/token`, (answer, status) => {
      const { refresh_token: _dropped, ...rest } = answer;
      return { status, body: rest };
    });
    try {
      const run = await runOAuthCli(customArgs(clientId, { tokenUrl: proxy.url }), {
        cwd: dir,
        onUrl: async (url) => void (await browse(url)),
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('the provider returned no refresh token');
      expect(run.stderr).toContain('offline_access');
      await nothingStored();
    } finally {
      await proxy.close();
    }
  });

  it("refuses a grant without the protocol's mail scope (the user unticked it)", async () => {
    const clientId = await newClient();
    const pop = 'https://outlook.office.com/POP.AccessAsUser.All';
    const proxy = await startTokenProxy(`${idp.url}/token`, (answer, status) => ({
      status,
      body: { ...answer, scope: 'openid email offline_access' },
    }));
    try {
      const run = await runOAuthCli(
        customArgs(clientId, { tokenUrl: proxy.url, scope: `openid email offline_access ${pop}` }),
        { cwd: dir, onUrl: async (url) => void (await browse(url)) },
      );
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`the consent did not grant ${pop}, which POP3 access needs`);
      await nothingStored();
    } finally {
      await proxy.close();
    }
  });

  it('accepts the mail scope granted under its short name', async () => {
    const clientId = await newClient();
    const pop = 'https://outlook.office.com/POP.AccessAsUser.All';
    const proxy = await startTokenProxy(`${idp.url}/token`, (answer, status) => ({
      status,
      body: { ...answer, scope: 'POP.AccessAsUser.All openid email' },
    }));
    try {
      const run = await runOAuthCli(
        customArgs(clientId, { tokenUrl: proxy.url, scope: `openid email offline_access ${pop}` }),
        { cwd: dir, onUrl: async (url) => void (await browse(url)) },
      );
      expect(run.stderr).not.toContain('mailgate:');
      expect(run.status).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('without an ID token and with stdin no terminal, asks for --user and stores nothing', async () => {
    const clientId = await newClient();
    const proxy = await startTokenProxy(`${idp.url}/token`, (answer, status) => {
      const { id_token: _dropped, ...rest } = answer;
      return { status, body: rest };
    });
    try {
      const run = await runOAuthCli(customArgs(clientId, { tokenUrl: proxy.url }), {
        cwd: dir,
        onUrl: async (url) => void (await browse(url)),
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('pass --user');
      await nothingStored();
    } finally {
      await proxy.close();
    }
  });

  it('without an ID token, asks on the terminal for the mailbox address', async () => {
    const clientId = await newClient();
    const proxy = await startTokenProxy(`${idp.url}/token`, (answer, status) => {
      const { id_token: _dropped, ...rest } = answer;
      return { status, body: rest };
    });
    const terminal = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined });
    try {
      const run = await runOAuthCli(customArgs(clientId, { tokenUrl: proxy.url }), {
        cwd: dir,
        stdin: terminal,
        onUrl: async (url) => {
          await browse(url);
          terminal.write('gina@example.test\n');
        },
      });
      expect(run.stderr).not.toContain('mailgate:');
      expect(run.status).toBe(0);
      expect(run.stderr).toContain('Mailbox address (IMAP/POP3 user name): ');
      expect((await new FileCredentialStore({ path: file }).getAccount('work'))?.user).toBe(
        'gina@example.test',
      );
    } finally {
      await proxy.close();
    }
  });
});
