import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  answerWith,
  answerWithout,
  consentInBrowser,
  redirectTarget,
  useOAuthCliFixture,
} from './oauth-cli-kit.js';

/** `account oauth` without a browser on this machine, and providers that answer less than asked. */
const cli = useOAuthCliFixture({ dirPrefix: 'mailgate-oauth-modes-', clientPrefix: 'consent-modes' });

const newClient = (consentUser = 'dana@example.test') => cli.newClient({ consentUser });

function customArgs(
  clientId: string,
  options: { tokenUrl?: string; scope?: string } = {},
  ...extra: string[]
): string[] {
  return cli.accountOAuthArgs(
    cli.customClientArgs(clientId, {
      tokenUrl: options.tokenUrl,
      scope: options.scope ?? 'openid email offline_access',
    }),
    { port: 1995, protocol: 'pop3' },
    ...extra,
  );
}

describe('account oauth --no-browser', () => {
  it('runs the device flow where the provider has a device endpoint, printing the page and the code', async () => {
    const clientId = await newClient('erin@example.test');
    const run = await cli.run(
      customArgs(clientId, {}, '--device-url', `${cli.idp.url}/device`, '--no-browser'),
    );
    expect(run.stderr).not.toContain('mailgate:');
    expect(run.status).toBe(0);
    const [page, code, summary] = run.stdout.split('\n');
    expect(page).toBe(`${cli.idp.url}/device/verify`);
    expect(code).toMatch(/^[0-9A-F]{8}$/);
    expect(summary).toBe(
      'Added account "work" (pop3 127.0.0.1:1995, user erin@example.test, OAuth2 custom).',
    );
    expect(run.stderr).toContain('enter this code');
    const stats = await cli.idp.control.stats(clientId);
    expect(stats.deviceGrants).toBe(1);
    const account = await cli.storedAccount();
    expect(account).toMatchObject({ protocol: 'pop3', user: 'erin@example.test' });
    expect(stats.liveRefreshTokens).toEqual([account?.oauth2?.refreshToken]);
    expect(run.stdout + run.stderr).not.toContain(account?.oauth2?.refreshToken);
  });

  it('without a device endpoint, takes the address the browser was sent to, pasted', async () => {
    const clientId = await newClient('frank@example.test');
    const stdin = new PassThrough();
    const run = await cli.run(customArgs(clientId, {}, '--no-browser'), {
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
    const account = await cli.storedAccount();
    expect(account?.user).toBe('frank@example.test');
    expect((await cli.idp.control.stats(clientId)).codeGrants).toBe(1);
  });

  it('refuses a pasted address that is not the redirect it asked for', async () => {
    const clientId = await newClient();
    const stdin = new PassThrough();
    const run = await cli.run(customArgs(clientId, {}, '--no-browser'), {
      stdin,
      onUrl: async (url) => {
        const target = await redirectTarget(url);
        target.port = String(Number(target.port) === 65535 ? 49152 : Number(target.port) + 1);
        stdin.write(`${target.href}\n`);
      },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('the pasted address does not start with http://127.0.0.1:');
    expect((await cli.idp.control.stats(clientId)).codeGrants).toBe(0);
    await cli.nothingStored();
  });
});

describe('account oauth: answers that cannot serve a mailbox', () => {
  it('refuses a token answer without a refresh token, saying why', async () => {
    const clientId = await newClient();
    await cli.withTokenProxy(answerWithout('refresh_token'), async (tokenUrl) => {
      const run = await cli.run(customArgs(clientId, { tokenUrl }), { onUrl: consentInBrowser });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('the provider returned no refresh token');
      expect(run.stderr).toContain('offline_access');
      await cli.nothingStored();
    });
  });

  it("refuses a grant without the protocol's mail scope (the user unticked it)", async () => {
    const clientId = await newClient();
    const pop = 'https://outlook.office.com/POP.AccessAsUser.All';
    await cli.withTokenProxy(answerWith({ scope: 'openid email offline_access' }), async (tokenUrl) => {
      const args = customArgs(clientId, { tokenUrl, scope: `openid email offline_access ${pop}` });
      const run = await cli.run(args, { onUrl: consentInBrowser });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`the consent did not grant ${pop}, which POP3 access needs`);
      await cli.nothingStored();
    });
  });

  it('accepts the mail scope granted under its short name', async () => {
    const clientId = await newClient();
    const pop = 'https://outlook.office.com/POP.AccessAsUser.All';
    await cli.withTokenProxy(answerWith({ scope: 'POP.AccessAsUser.All openid email' }), async (tokenUrl) => {
      const args = customArgs(clientId, { tokenUrl, scope: `openid email offline_access ${pop}` });
      const run = await cli.run(args, { onUrl: consentInBrowser });
      expect(run.stderr).not.toContain('mailgate:');
      expect(run.status).toBe(0);
    });
  });

  it('without an ID token and with stdin no terminal, asks for --user and stores nothing', async () => {
    const clientId = await newClient();
    await cli.withTokenProxy(answerWithout('id_token'), async (tokenUrl) => {
      const run = await cli.run(customArgs(clientId, { tokenUrl }), { onUrl: consentInBrowser });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('pass --user');
      await cli.nothingStored();
    });
  });

  it('without an ID token, asks on the terminal for the mailbox address', async () => {
    const clientId = await newClient();
    const terminal = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined });
    await cli.withTokenProxy(answerWithout('id_token'), async (tokenUrl) => {
      const run = await cli.run(customArgs(clientId, { tokenUrl }), {
        stdin: terminal,
        onUrl: async (url) => {
          await consentInBrowser(url);
          terminal.write('gina@example.test\n');
        },
      });
      expect(run.stderr).not.toContain('mailgate:');
      expect(run.status).toBe(0);
      expect(run.stderr).toContain('Mailbox address (IMAP/POP3 user name): ');
      expect((await cli.storedAccount())?.user).toBe('gina@example.test');
    });
  });
});
