import { connect } from 'node:net';
import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { assertLoopback, browse, consentInBrowser, useOAuthCliFixture } from './oauth-cli-kit.js';

/** `account oauth` against the fake identity provider, the browser played by fetch. */
const cli = useOAuthCliFixture({ dirPrefix: 'mailgate-oauth-', clientPrefix: 'consent-cli' });

const SCOPES = ['openid', 'email', 'offline_access'];

function customArgs(clientId: string, ...extra: string[]): string[] {
  return cli.accountOAuthArgs(
    cli.customClientArgs(clientId, { scope: SCOPES.join(' ') }),
    { port: 1993 },
    ...extra,
  );
}

/** How a connection attempt ended: 'connected' or the error code. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('account oauth: the loopback consent', () => {
  it('stores the account with the refresh token and the user from the ID token, printing no token', async () => {
    const clientId = await cli.newClient({ consentUser: 'alice@example.test' });
    let page: Response | undefined;
    let pageText = '';
    const run = await cli.run(customArgs(clientId), {
      onUrl: async (url) => {
        page = await browse(url);
        pageText = await page.text();
      },
    });
    expect(run.stderr).not.toContain('mailgate:');
    expect(run.status).toBe(0);
    expect(page?.status).toBe(200);
    expect(pageText).toContain('You can close this tab');

    const account = await cli.storedAccount();
    expect(account).toMatchObject({
      protocol: 'imap',
      host: '127.0.0.1',
      port: 1993,
      tls: 'implicit',
      user: 'alice@example.test',
      oauth2: {
        provider: 'custom',
        clientId,
        tokenUrl: `${cli.idp.url}/token`,
        authorizeUrl: `${cli.idp.url}/authorize`,
        scopes: SCOPES,
      },
    });
    const oauth2 = account?.oauth2 ?? {};
    const stats = await cli.idp.control.stats(clientId);
    expect(stats.codeGrants).toBe(1);
    expect(stats.liveRefreshTokens).toEqual([oauth2.refreshToken]);
    expect(oauth2.accessToken).toMatch(/^at_/);
    const lifetime = Date.parse(oauth2.expiresAt ?? '') - Date.now();
    expect(lifetime).toBeGreaterThan(3500_000);
    expect(lifetime).toBeLessThanOrEqual(3600_000);

    const printed = run.stdout + run.stderr;
    for (const secret of [oauth2.refreshToken, oauth2.accessToken]) expect(printed).not.toContain(secret);
    expect(printed).not.toMatch(/\b(at|rt|code)_[A-Za-z0-9_-]{20,}/);
    // stdout: the URL alone on its line, then the summary; the instructions are on stderr.
    expect(run.stdout).toBe(
      `${run.urls[0]}\nAdded account "work" (imap 127.0.0.1:1993, user alice@example.test, OAuth2 custom).\n`,
    );
    expect(run.stderr).toContain('Open this URL in a browser');
  });

  it('asks for the code with PKCE S256, a state and a loopback redirect on an ephemeral port', async () => {
    const clientId = await cli.newClient();
    const run = await cli.run(customArgs(clientId, '--user', 'bob@example.test'), {
      onUrl: consentInBrowser,
    });
    expect(run.status).toBe(0);
    const params = new URL(run.urls[0] ?? '').searchParams;
    expect(Object.fromEntries(params)).toMatchObject({
      response_type: 'code',
      client_id: clientId,
      scope: SCOPES.join(' '),
      code_challenge_method: 'S256',
      login_hint: 'bob@example.test',
    });
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('state')).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(params.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(params.get('redirect_uri')).not.toMatch(/:(80|443)\//);
  });

  it('sends the PKCE verifier: a code issued for another challenge is refused and nothing is stored', async () => {
    const clientId = await cli.newClient();
    const run = await cli.run(customArgs(clientId), {
      onUrl: async (url) => {
        // The same request with someone else's challenge: its code cannot be redeemed with the CLI's verifier.
        const other = new URL(url);
        other.searchParams.set(
          'code_challenge',
          await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
        );
        const foreign = await fetch(assertLoopback(other), { redirect: 'manual' });
        const foreignCode = new URL(foreign.headers.get('location') ?? '').searchParams.get('code') ?? '';
        const page = await browse(url, (redirect) => {
          redirect.searchParams.set('code', foreignCode);
          return redirect;
        });
        expect(page.status).toBe(400);
      },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('PKCE verification failed');
    expect((await cli.idp.control.stats(clientId)).codeGrants).toBe(0);
    await cli.nothingStored();
  });

  it('answers a redirect whose state is not this sign-in 400 without taking it, and still takes the real one', async () => {
    const clientId = await cli.newClient();
    let forgedPage = '';
    const run = await cli.run(customArgs(clientId), {
      onUrl: async (url) => {
        const forged = await browse(url, (redirect) => {
          redirect.searchParams.set('state', 'forged-state-value-0123456789');
          return redirect;
        });
        expect(forged.status).toBe(400);
        forgedPage = await forged.text();
        expect((await browse(url)).status).toBe(200);
      },
    });
    expect(forgedPage).toContain('Not this sign-in');
    expect(run.status).toBe(0);
    // Only the real redirect's code was exchanged.
    expect((await cli.idp.control.stats(clientId)).codeGrants).toBe(1);
  });

  it('reports error=access_denied as a refused consent and stores nothing', async () => {
    const clientId = await cli.newClient();
    let pageText = '';
    const run = await cli.run(customArgs(clientId), {
      onUrl: async (url) => {
        const page = await browse(url, (redirect) => {
          redirect.searchParams.delete('code');
          redirect.searchParams.set('error', 'access_denied');
          redirect.searchParams.set('error_description', '<b>The user declined</b>');
          return redirect;
        });
        expect(page.status).toBe(400);
        pageText = await page.text();
      },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('the consent was refused (access_denied: <b>The user declined</b>)');
    expect(pageText).toContain('&#60;b&#62;The user declined');
    expect(pageText).not.toContain('<b>');
    await cli.nothingStored();
  });

  it('refuses an answer from another issuer than the one configured', async () => {
    const clientId = await cli.newClient();
    const run = await cli.run(customArgs(clientId, '--issuer', 'http://127.0.0.1:9/other-issuer'), {
      onUrl: consentInBrowser,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('names another issuer');
    expect((await cli.idp.control.stats(clientId)).codeGrants).toBe(0);
    await cli.nothingStored();
  });

  it('listens on 127.0.0.1 only, and closes when done', async () => {
    const clientId = await cli.newClient();
    let port = 0;
    let duringOnLoopback = '';
    let duringOnV6 = '';
    const run = await cli.run(customArgs(clientId), {
      onUrl: async (url) => {
        port = Number(new URL(new URL(url).searchParams.get('redirect_uri') ?? '').port);
        duringOnLoopback = await tryConnect('127.0.0.1', port);
        // Node's default (no host) is the dual-stack wildcard, which ::1 would reach.
        duringOnV6 = await tryConnect('::1', port);
        await browse(url);
      },
    });
    expect(run.status).toBe(0);
    expect(duringOnLoopback).toBe('connected');
    expect(duringOnV6).not.toBe('connected');
    expect(await tryConnect('127.0.0.1', port)).toBe('ECONNREFUSED');
  });

  it('gives up after --timeout, closing the listener and storing nothing', async () => {
    const clientId = await cli.newClient();
    const started = Date.now();
    const run = await cli.run(customArgs(clientId, '--timeout', '1'));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('timed out waiting for the sign-in');
    expect(Date.now() - started).toBeLessThan(5000);
    const port = Number(new URL(new URL(run.urls[0] ?? '').searchParams.get('redirect_uri') ?? '').port);
    expect(await tryConnect('127.0.0.1', port)).toBe('ECONNREFUSED');
    await cli.nothingStored();
  });
});

describe('account oauth: clients', () => {
  it('reads a client secret from stdin, uses it, stores it and never prints it', async () => {
    const secret = 'client-Secret-never-printed';
    const clientId = await cli.newClient({ clientSecret: secret });
    const run = await cli.run(customArgs(clientId, '--client-secret-stdin'), {
      input: `${secret}\n`,
      onUrl: consentInBrowser,
    });
    expect(run.status).toBe(0);
    const account = await cli.storedAccount();
    expect(account?.oauth2?.clientSecret).toBe(secret);
    expect(run.stdout + run.stderr).not.toContain(secret);
  });

  it('fails with a hint when a confidential client is used without its secret', async () => {
    const clientId = await cli.newClient({ clientSecret: 'required-secret' });
    const run = await cli.run(customArgs(clientId), {
      onUrl: consentInBrowser,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('invalid_client');
    expect(run.stderr).toContain('--client-secret-stdin');
    await cli.nothingStored();
  });

  it('takes the client from an OAuth app and stores only its name', async () => {
    const secret = 'app-secret-kept-in-the-app';
    const clientId = await cli.newClient({ clientSecret: secret, consentUser: 'carol@example.test' });
    const add = await cli.run(
      [
        'oauth-app',
        'add',
        'shared',
        ...cli.customClientArgs(clientId, { scope: SCOPES.join(' ') }),
        '--client-secret-stdin',
        '--file',
        cli.file,
      ],
      { input: `${secret}\n` },
    );
    expect(add.status).toBe(0);
    expect(add.stdout).toBe(`Added OAuth app "shared" (custom, client ${clientId}, with client secret).\n`);

    const run = await cli.run(cli.accountOAuthArgs(['--app', 'shared'], { port: 1993 }), {
      onUrl: consentInBrowser,
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('user carol@example.test, OAuth app shared');
    const oauth2 = (await cli.storedAccount())?.oauth2;
    expect(Object.keys(oauth2 ?? {}).sort()).toEqual([
      'accessToken',
      'app',
      'expiresAt',
      'refreshToken',
      'scopes',
    ]);
    expect(oauth2?.app).toBe('shared');
    expect((await cli.idp.control.stats(clientId)).liveRefreshTokens).toEqual([oauth2?.refreshToken]);
    expect(run.stdout + run.stderr).not.toContain(secret);
  });

  it.each([
    [['--app', 'shared', '--client-id', 'x'], '--client-id comes from the OAuth app'],
    [
      ['--provider', 'google', '--client-id', 'x', '--tenant', 't'],
      '--tenant applies to --provider microsoft only',
    ],
    [
      ['--provider', 'google', '--client-id', 'x', '--device-url', 'https://idp.example/device'],
      '--device-url',
    ],
    [
      ['--provider', 'custom', '--client-id', 'x', '--scope', 'mail'],
      'custom needs --authorize-url and --token-url',
    ],
    [
      ['--provider', 'microsoft', '--client-id', 'x', '--token-url', 'http://idp.example/token'],
      'must be an https URL',
    ],
    [['--provider', 'microsoft', '--client-id', 'x', '--tenant', 'a/b'], '--tenant must be'],
    [
      ['--provider', 'google', '--client-id', 'x', '--protocol', 'smtp'],
      '--protocol must be one of imap, pop3',
    ],
    [['--provider', 'google', '--client-id', 'x', '--timeout', '0'], '--timeout must be'],
    [['--provider', 'google'], '--client-id is required'],
    [['--client-id', 'x'], '--provider is required'],
  ])('exits 2 before any sign-in for %j', async (options, message) => {
    const run = await cli.run(['account', 'oauth', 'work', ...options, '--file', cli.file]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.urls).toEqual([]);
    await cli.nothingStored();
  });

  it('exits 1 for an OAuth app that does not exist', async () => {
    const run = await cli.run(['account', 'oauth', 'work', '--app', 'ghost', '--file', cli.file]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('no OAuth app "ghost"');
  });
});
