import { describe, expect, it } from 'vitest';
import type { Account } from '../../../lib/credentials/account.js';
import { UpstreamAuthError } from '../../../lib/mail/errors.js';
import { silentLogger } from '../../../lib/mail/logger.js';
import type { MailboxRef } from '../../../lib/mail/types.js';
import type { AccessTokenSource } from '../../../lib/oauth2/access-token-source.js';
import { DEFAULT_POP3_STORE_OPTIONS, Pop3MailStore } from '../../../lib/pop3/index.js';
import { type FaultProxy, transformLines } from '../../support/fault-proxy.js';
import { RecordingTokenSource } from '../../support/oauth-account.js';
import {
  bearerTokens,
  heldRetrySource,
  retryHeldUntilAbort,
  revokedToken,
  saslLogins,
  subjectsIn,
  useOAuthLoginProxy,
  withLoginProxy,
} from '../../support/oauth-login-proxy.js';

/**
 * POP3 logins with OAuth2 bearer tokens against the test Dovecot, whose
 * oauth2 passdb asks the fake identity provider about every token. A proxy
 * on the plain POP3 port records what our client sent.
 */
const INBOX: MailboxRef = { kind: 'role', role: 'inbox' };
const login = useOAuthLoginProxy({
  label: 'pop3-oauth',
  protocol: 'pop3',
  messages: [{ raw: 'Subject: pop one\r\n\r\none\r\n' }, { raw: 'Subject: pop two\r\n\r\ntwo\r\n' }],
});

function viaProxy(through: FaultProxy = login.proxy): Account {
  return login.user.oauthAccount({ protocol: 'pop3', port: through.port, tls: 'none', allowPlaintext: true });
}

function openStore(account: Account, tokens?: AccessTokenSource, signal?: AbortSignal): Pop3MailStore {
  return new Pop3MailStore(
    account,
    { signal: signal ?? new AbortController().signal, logger: silentLogger },
    { ...DEFAULT_POP3_STORE_OPTIONS, ...(tokens ? { tokens } : {}) },
  );
}

const subjects = (store: Pop3MailStore) => subjectsIn(store, INBOX);

/** Each AUTH the proxy saw: mechanism and decoded initial response. */
const authentications = (through: FaultProxy = login.proxy) => saslLogins(through, 'pop3');

const bearers = () => bearerTokens(authentications());
const { introspections } = login;

describe('POP3 login with an OAuth2 access token (Dovecot checks it with the provider)', () => {
  it('over implicit TLS, with the stored token: the messages are listed', async () => {
    const before = await introspections();
    const account = login.user.oauthAccount({
      protocol: 'pop3',
      port: login.user.server.ports.pop3s,
      tls: 'implicit',
    });
    expect(await subjects(openStore(account))).toEqual(['pop one', 'pop two']);
    expect(await introspections()).toBe(before + 1);
  });

  it('AUTH OAUTHBEARER when CAPA lists it (RFC 7628)', async () => {
    const token = (await login.user.grant()).accessToken;
    expect(await subjects(openStore(viaProxy(), new RecordingTokenSource({ fresh: [token] })))).toEqual([
      'pop one',
      'pop two',
    ]);
    expect(authentications()).toEqual([
      {
        mechanism: 'OAUTHBEARER',
        payload: `n,a=${login.user.user},\x01host=127.0.0.1\x01port=${login.proxy.port}\x01auth=Bearer ${token}\x01\x01`,
      },
    ]);
  });

  it('AUTH XOAUTH2 when the server lists only that', async () => {
    const withoutOAuthBearer = transformLines((line) =>
      /^SASL /i.test(line) ? line.replace(/ OAUTHBEARER\b/i, '') : line,
    );
    await withLoginProxy(login.user, 'pop3', withoutOAuthBearer, async (xoauthOnly) => {
      const token = (await login.user.grant()).accessToken;
      const store = openStore(viaProxy(xoauthOnly), new RecordingTokenSource({ fresh: [token] }));
      expect(await subjects(store)).toEqual(['pop one', 'pop two']);
      expect(authentications(xoauthOnly)).toEqual([
        { mechanism: 'XOAUTH2', payload: `user=${login.user.user}\x01auth=Bearer ${token}\x01\x01` },
      ]);
    });
  });
});

describe('a refused POP3 token: one refresh, one retry, never a loop', () => {
  it('logs in once more, on a new session, with the token afterRefusal gives', async () => {
    const revoked = await revokedToken(login.user);
    const fresh = (await login.user.grant()).accessToken;
    const tokens = new RecordingTokenSource({ fresh: [revoked], retries: [fresh] });
    const before = await introspections();
    expect(await subjects(openStore(viaProxy(), tokens))).toEqual(['pop one', 'pop two']);
    expect(tokens.calls).toEqual([
      { method: 'accessToken', accountId: `oauth-${login.user.user}` },
      { method: 'afterRefusal', accountId: `oauth-${login.user.user}`, refused: revoked },
    ]);
    expect(bearers()).toEqual([revoked, fresh]);
    expect(login.proxy.totalConnections).toBe(2);
    // The error challenge was answered with a single %x01 (RFC 7628 §3.2.3), on the refused session.
    const refusedSession = login.proxy.commands[0]!.connection;
    expect(login.proxy.commandsOf(refusedSession)).toEqual([
      'CAPA',
      expect.stringMatching(/^AUTH OAUTHBEARER /),
      'AQ==',
    ]);
    expect(await introspections()).toBe(before + 2);
  });

  it('a source that keeps handing out refused tokens: exactly 2 logins, then upstream_auth_failed', async () => {
    const first = await revokedToken(login.user);
    const second = await revokedToken(login.user);
    const tokens = new RecordingTokenSource({ fresh: [first], retries: [second, second] });
    const before = await introspections();
    const error = await subjects(openStore(viaProxy(), tokens)).then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(UpstreamAuthError);
    expect(error).toMatchObject({ code: 'upstream_auth_failed' });
    expect(tokens.methods).toEqual(['accessToken', 'afterRefusal']);
    expect(bearers()).toEqual([first, second]);
    expect(login.proxy.totalConnections).toBe(2);
    expect(await introspections()).toBe(before + 2);
  });

  it('no retry when the source has no other token', async () => {
    const revoked = await revokedToken(login.user);
    const tokens = new RecordingTokenSource({ fresh: [revoked], retries: [undefined] });
    await expect(subjects(openStore(viaProxy(), tokens))).rejects.toMatchObject({
      code: 'upstream_auth_failed',
    });
    expect(tokens.methods).toEqual(['accessToken', 'afterRefusal']);
    expect(login.proxy.totalConnections).toBe(1);
  });

  it.each([
    ['while the refresh is under way (the source honours the abort)', true],
    ['and the source answers after it anyway', false],
  ])(
    'an abort during the retry, %s, leaves no socket open and opens no second session',
    async (_name, honours) => {
      const revoked = await revokedToken(login.user);
      const fresh = (await login.user.grant()).accessToken;
      const controller = new AbortController();
      const { tokens, retryAsked } = retryHeldUntilAbort(revoked, fresh, honours);
      const store = openStore(viaProxy(), tokens, controller.signal);
      const listing = store.listMessages(INBOX, { limit: 10, filter: {} });
      await retryAsked;
      controller.abort(new Error('client went away'));
      // As any POP3 session the request's abort ends (the deadline's 504).
      await expect(listing).rejects.toMatchObject({ code: 'upstream_timeout' });
      await store.close();
      await login.proxy.whenIdle();
      expect(login.proxy.connections).toBe(0);
      expect(login.proxy.totalConnections).toBe(1);
      expect(authentications()).toHaveLength(1);
    },
  );
  it('a store closed during the retry (the request ended without an abort) opens no second session', async () => {
    const revoked = await revokedToken(login.user);
    const fresh = (await login.user.grant()).accessToken;
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const { tokens, retryAsked } = heldRetrySource(revoked, async () => {
      await answered;
      return fresh;
    });
    const store = openStore(viaProxy(), tokens);
    const listing = store.listMessages(INBOX, { limit: 10, filter: {} });
    await retryAsked;
    const closing = store.close();
    answer();
    await expect(listing).rejects.toMatchObject({ code: 'upstream_unavailable' });
    await closing;
    await login.proxy.whenIdle();
    expect(login.proxy.totalConnections).toBe(1);
    expect(authentications()).toHaveLength(1);
  });
});
