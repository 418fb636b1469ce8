import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../../lib/credentials/account.js';
import { UpstreamAuthError } from '../../../lib/mail/errors.js';
import { silentLogger } from '../../../lib/mail/logger.js';
import type { MailboxRef } from '../../../lib/mail/types.js';
import type { AccessTokenSource } from '../../../lib/oauth2/access-token-source.js';
import { DEFAULT_POP3_STORE_OPTIONS, Pop3MailStore } from '../../../lib/pop3/index.js';
import { type FaultProxy, startFaultProxy, transformLines } from '../../support/fault-proxy.js';
import {
  createOAuthMailUser,
  type OAuthMailUser,
  RecordingTokenSource,
  untilAborted,
} from '../../support/oauth-account.js';

/**
 * POP3 logins with OAuth2 bearer tokens against the test Dovecot, whose
 * oauth2 passdb asks the fake identity provider about every token. A proxy
 * on the plain POP3 port records what our client sent.
 */
const INBOX: MailboxRef = { kind: 'role', role: 'inbox' };
let user: OAuthMailUser;
let proxy: FaultProxy;

beforeAll(async () => {
  user = await createOAuthMailUser('pop3-oauth');
  await user.seed('INBOX', [
    { raw: 'Subject: pop one\r\n\r\none\r\n' },
    { raw: 'Subject: pop two\r\n\r\ntwo\r\n' },
  ]);
  proxy = await startFaultProxy({
    target: { host: user.server.host, port: user.server.ports.pop3 },
    protocol: 'pop3',
  });
});

afterEach(async () => {
  await proxy.whenIdle();
  proxy.reset();
});

afterAll(async () => {
  await proxy?.close();
});

function viaProxy(through: FaultProxy = proxy): Account {
  return user.oauthAccount({ protocol: 'pop3', port: through.port, tls: 'none', allowPlaintext: true });
}

function openStore(account: Account, tokens?: AccessTokenSource, signal?: AbortSignal): Pop3MailStore {
  return new Pop3MailStore(
    account,
    { signal: signal ?? new AbortController().signal, logger: silentLogger },
    { ...DEFAULT_POP3_STORE_OPTIONS, ...(tokens ? { tokens } : {}) },
  );
}

async function subjects(store: Pop3MailStore): Promise<string[]> {
  try {
    const page = await store.listMessages(INBOX, { limit: 10, filter: {} });
    return page.messages.map((m) => m.subject ?? '').sort();
  } finally {
    await store.close();
  }
}

/** Each AUTH the proxy saw: mechanism and decoded initial response. */
function authentications(through: FaultProxy = proxy): Array<{ mechanism: string; payload: string }> {
  return through.commands
    .map((c) => c.line.split(' '))
    .filter((words) => words[0]?.toUpperCase() === 'AUTH')
    .map((words) => ({
      mechanism: words[1]!,
      payload: Buffer.from(words[2] ?? '', 'base64').toString('utf8'),
    }));
}

const bearers = () => authentications().map((a) => /auth=Bearer ([^\x01]*)/.exec(a.payload)?.[1]);
const introspections = async () => (await user.idp.stats(user.clientId)).introspections;

describe('POP3 login with an OAuth2 access token (Dovecot checks it with the provider)', () => {
  it('over implicit TLS, with the stored token: the messages are listed', async () => {
    const before = await introspections();
    const account = user.oauthAccount({ protocol: 'pop3', port: user.server.ports.pop3s, tls: 'implicit' });
    expect(await subjects(openStore(account))).toEqual(['pop one', 'pop two']);
    expect(await introspections()).toBe(before + 1);
  });

  it('AUTH OAUTHBEARER when CAPA lists it (RFC 7628)', async () => {
    const token = (await user.grant()).accessToken;
    expect(await subjects(openStore(viaProxy(), new RecordingTokenSource({ fresh: [token] })))).toEqual([
      'pop one',
      'pop two',
    ]);
    expect(authentications()).toEqual([
      {
        mechanism: 'OAUTHBEARER',
        payload: `n,a=${user.user},\x01host=127.0.0.1\x01port=${proxy.port}\x01auth=Bearer ${token}\x01\x01`,
      },
    ]);
  });

  it('AUTH XOAUTH2 when the server lists only that', async () => {
    const xoauthOnly = await startFaultProxy({
      target: { host: user.server.host, port: user.server.ports.pop3 },
      protocol: 'pop3',
      transformToClient: transformLines((line) =>
        /^SASL /i.test(line) ? line.replace(/ OAUTHBEARER\b/i, '') : line,
      ),
    });
    try {
      const token = (await user.grant()).accessToken;
      const store = openStore(viaProxy(xoauthOnly), new RecordingTokenSource({ fresh: [token] }));
      expect(await subjects(store)).toEqual(['pop one', 'pop two']);
      expect(authentications(xoauthOnly)).toEqual([
        { mechanism: 'XOAUTH2', payload: `user=${user.user}\x01auth=Bearer ${token}\x01\x01` },
      ]);
    } finally {
      await xoauthOnly.close();
    }
  });
});

describe('a refused POP3 token: one refresh, one retry, never a loop', () => {
  it('logs in once more, on a new session, with the token afterRefusal gives', async () => {
    const revoked = (await user.grant()).accessToken;
    await user.idp.revokeAccessToken(revoked);
    const fresh = (await user.grant()).accessToken;
    const tokens = new RecordingTokenSource({ fresh: [revoked], retries: [fresh] });
    const before = await introspections();
    expect(await subjects(openStore(viaProxy(), tokens))).toEqual(['pop one', 'pop two']);
    expect(tokens.calls).toEqual([
      { method: 'accessToken', accountId: `oauth-${user.user}` },
      { method: 'afterRefusal', accountId: `oauth-${user.user}`, refused: revoked },
    ]);
    expect(bearers()).toEqual([revoked, fresh]);
    expect(proxy.totalConnections).toBe(2);
    // The error challenge was answered with a single %x01 (RFC 7628 §3.2.3), on the refused session.
    const refusedSession = proxy.commands[0]!.connection;
    expect(proxy.commandsOf(refusedSession)).toEqual([
      'CAPA',
      expect.stringMatching(/^AUTH OAUTHBEARER /),
      'AQ==',
    ]);
    expect(await introspections()).toBe(before + 2);
  });

  it('a source that keeps handing out refused tokens: exactly 2 logins, then upstream_auth_failed', async () => {
    const first = (await user.grant()).accessToken;
    const second = (await user.grant()).accessToken;
    await user.idp.revokeAccessToken(first);
    await user.idp.revokeAccessToken(second);
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
    expect(proxy.totalConnections).toBe(2);
    expect(await introspections()).toBe(before + 2);
  });

  it('no retry when the source has no other token', async () => {
    const revoked = (await user.grant()).accessToken;
    await user.idp.revokeAccessToken(revoked);
    const tokens = new RecordingTokenSource({ fresh: [revoked], retries: [undefined] });
    await expect(subjects(openStore(viaProxy(), tokens))).rejects.toMatchObject({
      code: 'upstream_auth_failed',
    });
    expect(tokens.methods).toEqual(['accessToken', 'afterRefusal']);
    expect(proxy.totalConnections).toBe(1);
  });

  it.each([
    ['while the refresh is under way (the source honours the abort)', true],
    ['and the source answers after it anyway', false],
  ])(
    'an abort during the retry, %s, leaves no socket open and opens no second session',
    async (_name, honours) => {
      const revoked = (await user.grant()).accessToken;
      await user.idp.revokeAccessToken(revoked);
      const fresh = (await user.grant()).accessToken;
      const controller = new AbortController();
      let refreshing!: () => void;
      const refreshStarted = new Promise<void>((resolve) => {
        refreshing = resolve;
      });
      const tokens = new RecordingTokenSource({
        fresh: [revoked],
        retries: [
          async (signal) => {
            refreshing();
            if (honours) return untilAborted(signal);
            await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
            return fresh;
          },
        ],
      });
      const store = openStore(viaProxy(), tokens, controller.signal);
      const listing = store.listMessages(INBOX, { limit: 10, filter: {} });
      await refreshStarted;
      controller.abort(new Error('client went away'));
      // As any POP3 session the request's abort ends (the deadline's 504).
      await expect(listing).rejects.toMatchObject({ code: 'upstream_timeout' });
      await store.close();
      await proxy.whenIdle();
      expect(proxy.connections).toBe(0);
      expect(proxy.totalConnections).toBe(1);
      expect(authentications()).toHaveLength(1);
    },
  );
  it('a store closed during the retry (the request ended without an abort) opens no second session', async () => {
    const revoked = (await user.grant()).accessToken;
    await user.idp.revokeAccessToken(revoked);
    const fresh = (await user.grant()).accessToken;
    let refreshing!: () => void;
    const refreshStarted = new Promise<void>((resolve) => {
      refreshing = resolve;
    });
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const tokens = new RecordingTokenSource({
      fresh: [revoked],
      retries: [
        async () => {
          refreshing();
          await answered;
          return fresh;
        },
      ],
    });
    const store = openStore(viaProxy(), tokens);
    const listing = store.listMessages(INBOX, { limit: 10, filter: {} });
    await refreshStarted;
    const closing = store.close();
    answer();
    await expect(listing).rejects.toMatchObject({ code: 'upstream_unavailable' });
    await closing;
    await proxy.whenIdle();
    expect(proxy.totalConnections).toBe(1);
    expect(authentications()).toHaveLength(1);
  });
});
