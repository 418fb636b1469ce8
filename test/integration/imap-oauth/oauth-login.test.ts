import { channel } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { describe, expect, test } from 'vitest';
import type { Account } from '../../../lib/credentials/account.js';
import { ImapMailStore } from '../../../lib/imap/imap-mail-store.js';
import { UpstreamAuthError } from '../../../lib/mail/errors.js';
import { silentLogger } from '../../../lib/mail/logger.js';
import type { MailboxRef } from '../../../lib/mail/types.js';
import type { AccessTokenSource } from '../../../lib/oauth2/access-token-source.js';
import { type FaultProxy, withoutCapability } from '../../support/fault-proxy.js';
import { createOAuthMailUser, RecordingTokenSource } from '../../support/oauth-account.js';
import {
  bearerTokens,
  retryHeldUntilAbort,
  revokedToken,
  saslLogins,
  subjectsIn,
  useOAuthLoginProxy,
  withLoginProxy,
} from '../../support/oauth-login-proxy.js';
import { buildMessage } from '../imap/imap-test-kit.js';
import { buildPool } from '../imap-reuse/reuse-kit.js';

/**
 * IMAP logins with OAuth2 bearer tokens against the test Dovecot, whose
 * oauth2 passdb asks the fake identity provider about every token: a token
 * the provider does not know as live for this very user is refused by a
 * real server. A proxy on the plain port records what the client sent.
 */
const INBOX: MailboxRef = { kind: 'path', path: 'INBOX' };
const login = useOAuthLoginProxy({
  label: 'imap-oauth',
  protocol: 'imap',
  messages: [
    { raw: buildMessage({ subject: 'oauth one' }) },
    { raw: buildMessage({ subject: 'oauth two' }) },
  ],
});

/** The account through the recording proxy (plain IMAP, loopback). */
function viaProxy(overrides: Partial<Account> = {}, through: FaultProxy = login.proxy): Account {
  return login.user.oauthAccount({ port: through.port, tls: 'none', allowPlaintext: true, ...overrides });
}

function openStore(
  account: Account,
  tokens?: AccessTokenSource,
  options: { signal?: AbortSignal; pool?: ReturnType<typeof buildPool> } = {},
): ImapMailStore {
  return new ImapMailStore(
    account,
    { signal: options.signal ?? new AbortController().signal, logger: silentLogger },
    options.pool,
    tokens ? { tokens } : {},
  );
}

const subjects = (store: ImapMailStore) => subjectsIn(store, INBOX);

/** The SASL exchange of each AUTHENTICATE the proxy saw: mechanism and decoded initial response. */
const authentications = (through: FaultProxy = login.proxy) => saslLogins(through, 'imap');

/**
 * This process's sockets to `port`: how many others were still open as each
 * one connected (a pool slot must never hold two connections at once).
 */
function watchSocketsTo(port: number): { openAtEachConnect: number[]; stop(): void } {
  const created = channel('net.client.socket');
  const open = new Set<Socket>();
  const openAtEachConnect: number[] = [];
  const onSocket = (message: unknown) => {
    const { socket } = message as { socket: Socket };
    socket.once('connect', () => {
      if (socket.remotePort !== port) return;
      openAtEachConnect.push(open.size);
      open.add(socket);
      socket.once('close', () => open.delete(socket));
    });
  };
  created.subscribe(onSocket);
  return { openAtEachConnect, stop: () => created.unsubscribe(onSocket) };
}

const { introspections } = login;

describe('logging in with an OAuth2 access token (Dovecot checks it with the provider)', () => {
  test('over implicit TLS, with the stored token: mailboxes and messages are listed', async () => {
    const before = await introspections();
    const account = login.user.oauthAccount();
    const store = openStore(account);
    try {
      const mailboxes = await store.listMailboxes({ counts: false });
      expect(mailboxes.map((m) => m.path)).toContain('INBOX');
      const page = await store.listMessages(INBOX, { limit: 10, filter: {} });
      expect(page.messages.map((m) => m.subject).sort()).toEqual(['oauth one', 'oauth two']);
    } finally {
      await store.close();
    }
    expect(await introspections()).toBe(before + 1);
  });

  test('OAUTHBEARER when offered (RFC 7628: GS2 header, host and port of the connection, one SASL-IR line)', async () => {
    const token = (await login.user.grant()).accessToken;
    const tokens = new RecordingTokenSource({ fresh: [token] });
    expect(await subjects(openStore(viaProxy(), tokens))).toEqual(['oauth one', 'oauth two']);
    expect(authentications()).toEqual([
      {
        mechanism: 'OAUTHBEARER',
        payload: `n,a=${login.user.user},\x01host=127.0.0.1\x01port=${login.proxy.port}\x01auth=Bearer ${token}\x01\x01`,
      },
    ]);
    expect(tokens.methods).toEqual(['accessToken']);
  });

  test('XOAUTH2 when the server offers only that (as Microsoft 365 does)', async () => {
    await withLoginProxy(login.user, 'imap', withoutCapability('AUTH=OAUTHBEARER'), async (xoauthOnly) => {
      const token = (await login.user.grant()).accessToken;
      const account = viaProxy({}, xoauthOnly);
      expect(await subjects(openStore(account, new RecordingTokenSource({ fresh: [token] })))).toEqual([
        'oauth one',
        'oauth two',
      ]);
      expect(authentications(xoauthOnly)).toEqual([
        { mechanism: 'XOAUTH2', payload: `user=${login.user.user}\x01auth=Bearer ${token}\x01\x01` },
      ]);
    });
  });

  test('a server offering neither mechanism: upstream_auth_failed saying so, no token sent, no refresh', async () => {
    const hideOAuthBearer = withoutCapability('AUTH=OAUTHBEARER');
    const hideXOAuth2 = withoutCapability('AUTH=XOAUTH2');
    const hideBoth = (chunk: Buffer, index: number) => hideXOAuth2(hideOAuthBearer(chunk, index), index);
    await withLoginProxy(login.user, 'imap', hideBoth, async (passwordsOnly) => {
      const tokens = new RecordingTokenSource({
        fresh: [login.user.tokens.accessToken],
        retries: ['unused'],
      });
      const error = await subjects(openStore(viaProxy({}, passwordsOnly), tokens)).then(
        () => null,
        (failure: unknown) => failure as UpstreamAuthError,
      );
      expect(error).toBeInstanceOf(UpstreamAuthError);
      expect(error?.detail).toMatch(/XOAUTH2 or OAUTHBEARER/);
      expect(authentications(passwordsOnly)).toEqual([]);
      expect(tokens.methods).toEqual(['accessToken']);
    });
  });

  test('a live token of another user is refused: Dovecot checks the introspected username', async () => {
    const other = await createOAuthMailUser('imap-oauth-other');
    const theirs = other.tokens.accessToken;
    const store = openStore(viaProxy(), new RecordingTokenSource({ fresh: [theirs] }));
    await expect(subjects(store)).rejects.toBeInstanceOf(UpstreamAuthError);
  });
});

describe('a refused token: one refresh, one retry, never a loop', () => {
  test('the login is retried once, on a new connection, with the token afterRefusal gives, and succeeds', async () => {
    const revoked = await revokedToken(login.user);
    const fresh = (await login.user.grant()).accessToken;
    const tokens = new RecordingTokenSource({ fresh: [revoked], retries: [fresh] });
    const before = await introspections();
    const sockets = watchSocketsTo(login.proxy.port);
    try {
      expect(await subjects(openStore(viaProxy(), tokens))).toEqual(['oauth one', 'oauth two']);
    } finally {
      sockets.stop();
    }
    // The refused connection's socket had closed before the second one connected.
    expect(sockets.openAtEachConnect).toEqual([0, 0]);
    expect(tokens.calls).toEqual([
      { method: 'accessToken', accountId: `oauth-${login.user.user}` },
      { method: 'afterRefusal', accountId: `oauth-${login.user.user}`, refused: revoked },
    ]);
    expect(bearerTokens(authentications())).toEqual([revoked, fresh]);
    expect(login.proxy.totalConnections).toBe(2);
    // OAUTHBEARER's error challenge was answered with a single %x01 (RFC 7628 §3.2.3).
    expect(login.proxy.commandsOf(login.proxy.commands[0]!.connection)).toContain('AQ==');
    expect(await introspections()).toBe(before + 2);
  });

  test('a source that keeps handing out refused tokens: exactly 2 logins, then upstream_auth_failed', async () => {
    const first = await revokedToken(login.user);
    const second = await revokedToken(login.user);
    const tokens = new RecordingTokenSource({ fresh: [first], retries: [second, second] });
    const before = await introspections();
    const store = openStore(viaProxy(), tokens);
    const error = await subjects(store).then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(UpstreamAuthError);
    expect(error).toMatchObject({ code: 'upstream_auth_failed' });
    expect(tokens.methods).toEqual(['accessToken', 'afterRefusal']);
    expect(authentications()).toHaveLength(2);
    expect(login.proxy.totalConnections).toBe(2);
    // Dovecot asked the provider about each of the two tokens, and about nothing else.
    expect(await introspections()).toBe(before + 2);
  });

  test('no retry when the source has no other token (a stored access token alone)', async () => {
    const revoked = await revokedToken(login.user);
    const tokens = new RecordingTokenSource({ fresh: [revoked], retries: [undefined] });
    await expect(subjects(openStore(viaProxy(), tokens))).rejects.toMatchObject({
      code: 'upstream_auth_failed',
    });
    expect(tokens.methods).toEqual(['accessToken', 'afterRefusal']);
    expect(login.proxy.totalConnections).toBe(1);
  });

  test('nor when it answers with the very token that was refused', async () => {
    const revoked = await revokedToken(login.user);
    const tokens = new RecordingTokenSource({ fresh: [revoked], retries: [revoked] });
    await expect(subjects(openStore(viaProxy(), tokens))).rejects.toBeInstanceOf(UpstreamAuthError);
    expect(login.proxy.totalConnections).toBe(1);
  });

  test.each([
    ['while the refresh is under way (the source honours the abort)', true],
    ['and the source answers after it anyway', false],
  ])(
    'an abort during the retry, %s, leaves no socket open and opens no second connection',
    async (_name, honours) => {
      const revoked = await revokedToken(login.user);
      const fresh = (await login.user.grant()).accessToken;
      const controller = new AbortController();
      const { tokens, retryAsked } = retryHeldUntilAbort(revoked, fresh, honours);
      const store = openStore(viaProxy(), tokens, { signal: controller.signal });
      const listing = subjects(store);
      await retryAsked;
      controller.abort(new Error('client went away'));
      await expect(listing).rejects.toMatchObject({ code: 'upstream_unavailable' });
      await login.proxy.whenIdle();
      expect(login.proxy.connections).toBe(0);
      expect(login.proxy.totalConnections).toBe(1);
      expect(authentications()).toHaveLength(1);
    },
  );
});

describe('kept connections and refreshed tokens', () => {
  test('a refreshed access token is not a credentials change: the kept connection serves on, no new login', async () => {
    const pool = buildPool();
    try {
      const first = await login.user.grant();
      const tokens = new RecordingTokenSource({ fresh: [first.accessToken] });
      const account = viaProxy({}, login.proxy);
      expect(await subjects(openStore(account, tokens, { pool }))).toHaveLength(2);
      // What the gateway writes back after a refresh: a new access token and expiry, the same refresh token.
      const later = await login.user.grant();
      const refreshed = login.user.oauthAccount(
        { port: login.proxy.port, tls: 'none', allowPlaintext: true },
        { accessToken: later.accessToken, expiresAt: later.expiresAt },
      );
      expect(await subjects(openStore(refreshed, tokens, { pool }))).toHaveLength(2);
      expect(login.proxy.totalConnections).toBe(1);
      expect(authentications()).toHaveLength(1);
      expect(tokens.methods).toEqual(['accessToken']);
    } finally {
      pool.close();
    }
  });

  test('a changed refresh token is: the kept one is closed and a new login asks the source for the current token', async () => {
    const pool = buildPool();
    try {
      const first = await login.user.grant();
      const second = await login.user.grant();
      const tokens = new RecordingTokenSource({ fresh: [first.accessToken, second.accessToken] });
      expect(await subjects(openStore(viaProxy(), tokens, { pool }))).toHaveLength(2);
      const reconsented = login.user.oauthAccount(
        { port: login.proxy.port, tls: 'none', allowPlaintext: true },
        {},
        second,
      );
      expect(await subjects(openStore(reconsented, tokens, { pool }))).toHaveLength(2);
      expect(login.proxy.totalConnections).toBe(2);
      expect(bearerTokens(authentications())).toEqual([first.accessToken, second.accessToken]);
      expect(tokens.methods).toEqual(['accessToken', 'accessToken']);
    } finally {
      pool.close();
    }
  });
});
