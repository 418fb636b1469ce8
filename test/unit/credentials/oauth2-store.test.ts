import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountDocument, OAuthApp } from '../../../lib/credentials/account.js';
import { FileCredentialStore } from '../../../lib/credentials/file-store.js';
import { SecretsManagerCredentialStore } from '../../../lib/credentials/secrets-manager-store.js';
import type { OAuth2TokenUpdate } from '../../../lib/credentials/store.js';
import { ConfigurationError, InvalidRequestError } from '../../../lib/mail/errors.js';
import { buildAccountDocument } from './build-account-document.js';
import { createFakeSecretsTransport } from './fake-secrets-transport.js';

const APP_SECRET = 'cs-app-secret-never-shown';

function oauthDocument(refreshToken = 'rt-original'): AccountDocument {
  const { password: _password, ...rest } = buildAccountDocument();
  return {
    ...rest,
    oauth2: {
      provider: 'microsoft',
      tenant: 'contoso.example',
      clientId: 'client-1',
      refreshToken,
      scopes: ['https://outlook.office.com/IMAP.AccessAsUser.All'],
      accessToken: 'at-original',
      expiresAt: '2030-01-01T00:00:00.000Z',
    },
  };
}

const app: OAuthApp = { provider: 'google', clientId: 'shared-client', clientSecret: APP_SECRET };
const refreshed: OAuth2TokenUpdate = { accessToken: 'at-next', expiresAt: '2030-01-01T01:00:00.000Z' };

describe('FileCredentialStore: OAuth2 token write-back and OAuth apps', () => {
  let dir: string;
  let path: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mailgate-oauth-store-'));
    path = join(dir, 'accounts.json');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const onDisk = async () => JSON.parse(await readFile(path, 'utf8'));

  it('rewrites only the token fields while the stored refresh token is the expected one', async () => {
    const store = new FileCredentialStore({ path });
    await store.putAccount('work', oauthDocument());

    expect(
      await store.updateOAuth2Tokens('work', 'rt-original', { ...refreshed, refreshToken: 'rt-rotated' }),
    ).toBe(true);
    expect((await onDisk()).accounts.work).toEqual({
      ...oauthDocument(),
      oauth2: { ...oauthDocument().oauth2, ...refreshed, refreshToken: 'rt-rotated' },
    });
    // Without a new refresh token the stored one stays.
    expect(await store.updateOAuth2Tokens('work', 'rt-rotated', refreshed)).toBe(true);
    expect((await store.getAccount('work'))?.oauth2?.refreshToken).toBe('rt-rotated');
  });

  it('refuses, writing nothing, when the account was re-consented, removed or is not OAuth2', async () => {
    const store = new FileCredentialStore({ path });
    await store.putAccount('work', oauthDocument('rt-reconsented'));
    await store.putAccount('plain', buildAccountDocument());
    const before = await readFile(path, 'utf8');

    expect(await store.updateOAuth2Tokens('work', 'rt-original', refreshed)).toBe(false);
    expect(await store.updateOAuth2Tokens('gone', 'rt-original', refreshed)).toBe(false);
    expect(await store.updateOAuth2Tokens('plain', 'rt-original', refreshed)).toBe(false);
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('sees a re-consent written by another process (reads the file itself, not its cache)', async () => {
    const server = new FileCredentialStore({ path });
    const cli = new FileCredentialStore({ path });
    await server.putAccount('work', oauthDocument());
    expect((await server.getAccount('work'))?.oauth2?.refreshToken).toBe('rt-original');
    await cli.putAccount('work', oauthDocument('rt-reconsented'));

    expect(await server.updateOAuth2Tokens('work', 'rt-original', refreshed)).toBe(false);
    expect((await onDisk()).accounts.work.oauth2.refreshToken).toBe('rt-reconsented');
  });

  it('refuses an update that would make the document invalid', async () => {
    const store = new FileCredentialStore({ path });
    await store.putAccount('work', oauthDocument());
    await expect(
      store.updateOAuth2Tokens('work', 'rt-original', { ...refreshed, expiresAt: 'tomorrow' }),
    ).rejects.toThrow(ConfigurationError);
    expect((await onDisk()).accounts.work.oauth2.accessToken).toBe('at-original');
  });

  it('stores, reads and removes OAuth apps in "oauthApps"; a file without it still works', async () => {
    await writeFile(path, JSON.stringify({ accounts: { work: oauthDocument() }, tokens: {} }));
    const store = new FileCredentialStore({ path });
    expect(await store.getOAuthApp('shared')).toBeUndefined();

    await store.putOAuthApp('shared', app);
    expect(await store.getOAuthApp('shared')).toEqual(app);
    expect((await onDisk()).oauthApps).toEqual({ shared: app });
    expect((await store.getAccount('work'))?.oauth2?.refreshToken).toBe('rt-original');

    expect(await store.listOAuthAppNames()).toEqual(['shared']);
    expect(await store.removeOAuthApp('shared')).toBe(true);
    expect(await store.removeOAuthApp('shared')).toBe(false);
    expect(await store.getOAuthApp('shared')).toBeUndefined();
    expect(await store.listOAuthAppNames()).toEqual([]);
    // With no app left the file has the shape older versions wrote.
    expect(Object.keys(await onDisk())).toEqual(['accounts', 'tokens']);
  });

  it('refuses a bad app name and a bad app, and reports a malformed stored app without its secret', async () => {
    const store = new FileCredentialStore({ path });
    await expect(store.putOAuthApp('../x', app)).rejects.toThrow(InvalidRequestError);
    await expect(store.putOAuthApp('custom', { provider: 'custom', clientId: 'c' })).rejects.toThrow(
      'OAuth app "custom": field "tokenUrl"',
    );
    await writeFile(
      path,
      JSON.stringify({ accounts: {}, tokens: {}, oauthApps: { bad: { ...app, clientId: 42 } } }),
    );
    const error = await store.getOAuthApp('bad').catch((caught: unknown) => caught as Error);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe('OAuth app "bad": field "clientId": expected string');
    expect((error as Error).message).not.toContain(APP_SECRET);
  });
});

describe('SecretsManagerCredentialStore: OAuth2 token write-back and OAuth apps', () => {
  function setup() {
    const transport = createFakeSecretsTransport({
      'mg/accounts/work': JSON.stringify(oauthDocument()),
      'mg/oauth-apps/shared': JSON.stringify(app),
    });
    const store = new SecretsManagerCredentialStore({
      prefix: 'mg/',
      cacheSeconds: 300,
      client: transport.client,
    });
    return { transport, store };
  }

  it('compares with the secret as stored now (not the cache), then puts only the token fields', async () => {
    const { transport, store } = setup();
    await store.getAccount('work');
    transport.take();

    expect(
      await store.updateOAuth2Tokens('work', 'rt-original', { ...refreshed, refreshToken: 'rt-rotated' }),
    ).toBe(true);
    expect(transport.take()).toEqual(['GetSecretValue mg/accounts/work', 'PutSecretValue mg/accounts/work']);
    expect(JSON.parse(transport.secrets.get('mg/accounts/work') ?? '')).toEqual({
      ...oauthDocument(),
      oauth2: { ...oauthDocument().oauth2, ...refreshed, refreshToken: 'rt-rotated' },
    });
    // This process reads its own write from the cache.
    expect((await store.getAccount('work'))?.oauth2?.accessToken).toBe('at-next');
    expect(transport.take()).toEqual([]);
  });

  it('refuses without a put when the secret holds another refresh token, although the cache holds the expected one', async () => {
    const { transport, store } = setup();
    expect((await store.getAccount('work'))?.oauth2?.refreshToken).toBe('rt-original');
    transport.secrets.set('mg/accounts/work', JSON.stringify(oauthDocument('rt-reconsented')));
    transport.take();

    expect(await store.updateOAuth2Tokens('work', 'rt-original', refreshed)).toBe(false);
    expect(await store.updateOAuth2Tokens('missing', 'rt-original', refreshed)).toBe(false);
    expect(transport.take()).toEqual([
      'GetSecretValue mg/accounts/work',
      'GetSecretValue mg/accounts/missing',
    ]);
    expect(JSON.parse(transport.secrets.get('mg/accounts/work') ?? '').oauth2.refreshToken).toBe(
      'rt-reconsented',
    );
  });

  it('reads OAuth apps from <prefix>oauth-apps/<name>, cached, and writes and deletes them there', async () => {
    const { transport, store } = setup();
    expect(await store.getOAuthApp('shared')).toEqual(app);
    expect(await store.getOAuthApp('shared')).toEqual(app);
    expect(await store.getOAuthApp('../etc')).toBeUndefined();
    expect(transport.take()).toEqual(['GetSecretValue mg/oauth-apps/shared']);

    const other: OAuthApp = { provider: 'microsoft', tenant: 'common', clientId: 'ms-client' };
    await store.putOAuthApp('other', other);
    expect(JSON.parse(transport.secrets.get('mg/oauth-apps/other') ?? '')).toEqual(other);
    expect(JSON.parse(transport.secrets.get('mg/index') ?? '')).toEqual({
      accounts: [],
      tokens: [],
      oauthApps: ['other'],
    });
    expect(await store.listOAuthAppNames()).toEqual(['other']);
    expect(await store.removeOAuthApp('shared')).toBe(true);
    expect(transport.secrets.has('mg/oauth-apps/shared')).toBe(false);
    expect(await store.getOAuthApp('shared')).toBeUndefined();
    expect(await store.removeOAuthApp('other')).toBe(true);
    expect(await store.listOAuthAppNames()).toEqual([]);
    // With no app left the index has the shape older versions wrote.
    expect(JSON.parse(transport.secrets.get('mg/index') ?? '')).toEqual({ accounts: [], tokens: [] });
  });

  it('reads an index written before it listed OAuth apps', async () => {
    const { transport, store } = setup();
    transport.secrets.set('mg/index', JSON.stringify({ accounts: ['work'], tokens: [] }));
    expect(await store.listOAuthAppNames()).toEqual([]);
    expect(await store.listAccountIds()).toEqual(['work']);
  });
});
