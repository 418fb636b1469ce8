import { afterAll, afterEach, beforeAll } from 'vitest';
import type { MailStore } from '../../lib/mail/store.js';
import type { MailboxRef } from '../../lib/mail/types.js';
import { type ChunkTransform, type FaultProxy, type ProxyProtocol, startFaultProxy } from './fault-proxy.js';
import {
  createOAuthMailUser,
  type OAuthMailUser,
  RecordingTokenSource,
  untilAborted,
} from './oauth-account.js';

/** A recording proxy to the plain `protocol` port of the test Dovecot, the server's answers optionally rewritten. */
export function startLoginProxy(
  user: OAuthMailUser,
  protocol: ProxyProtocol,
  transformToClient?: ChunkTransform,
): Promise<FaultProxy> {
  return startFaultProxy({
    target: { host: user.server.host, port: user.server.ports[protocol] },
    protocol,
    ...(transformToClient ? { transformToClient } : {}),
  });
}

/** A second proxy (startLoginProxy) for the time `use` takes, closed after it. */
export async function withLoginProxy<T>(
  user: OAuthMailUser,
  protocol: ProxyProtocol,
  transformToClient: ChunkTransform,
  use: (proxy: FaultProxy) => Promise<T>,
): Promise<T> {
  const proxy = await startLoginProxy(user, protocol, transformToClient);
  try {
    return await use(proxy);
  } finally {
    await proxy.close();
  }
}

/** What an OAuth2 login test file works with: a user of its own and the proxy its logins go through. */
export interface OAuthLoginFixture {
  readonly user: OAuthMailUser;
  /** Records what the client sent; idle and reset after each test. */
  readonly proxy: FaultProxy;
  /** What the provider was asked about this user's client so far. */
  introspections(): Promise<number>;
}

/**
 * The fixture of a file testing OAuth2 logins over `protocol`: a user
 * (`label`) with `messages` in INBOX, and a recording proxy to the plain
 * port, closed after the file. Call it at the top of the file: it registers
 * the hooks.
 */
export function useOAuthLoginProxy(options: {
  label: string;
  protocol: ProxyProtocol;
  messages: Array<{ raw: string }>;
}): OAuthLoginFixture {
  let user: OAuthMailUser | undefined;
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    user = await createOAuthMailUser(options.label);
    await user.seed('INBOX', options.messages);
    proxy = await startLoginProxy(user, options.protocol);
  });
  afterEach(async () => {
    await fixture.proxy.whenIdle();
    fixture.proxy.reset();
  });
  afterAll(async () => {
    await proxy?.close();
  });
  const fixture: OAuthLoginFixture = {
    get user() {
      if (user === undefined) throw new Error('the user is created in beforeAll');
      return user;
    },
    get proxy() {
      if (proxy === undefined) throw new Error('the proxy starts in beforeAll');
      return proxy;
    },
    introspections: async () => (await fixture.user.idp.stats(fixture.user.clientId)).introspections,
  };
  return fixture;
}

/**
 * The SASL exchange of each login the proxy saw (IMAP AUTHENTICATE after its
 * tag, POP3 AUTH): mechanism and decoded initial response.
 */
export function saslLogins(
  through: FaultProxy,
  protocol: ProxyProtocol,
): Array<{ mechanism: string; payload: string }> {
  const [verb, at] = protocol === 'imap' ? ['AUTHENTICATE', 1] : ['AUTH', 0];
  return through.commands
    .map((c) => c.line.split(' '))
    .filter((words) => words[at]?.toUpperCase() === verb)
    .map((words) => ({
      mechanism: words[at + 1]!,
      payload: Buffer.from(words[at + 2] ?? '', 'base64').toString('utf8'),
    }));
}

/** The bearer token each login sent. */
export function bearerTokens(logins: Array<{ payload: string }>): Array<string | undefined> {
  return logins.map((login) => login.payload.match(/auth=Bearer ([^\x01]*)/)?.[1]);
}

/** The subjects of the first messages in `inbox`, sorted; the store is closed after. */
export async function subjectsIn(store: MailStore, inbox: MailboxRef): Promise<string[]> {
  try {
    const page = await store.listMessages(inbox, { limit: 10, filter: {} });
    return page.messages.map((m) => m.subject ?? '').sort();
  } finally {
    await store.close();
  }
}

/** An access token granted to the user and revoked at once: Dovecot's check with the provider refuses it. */
export async function revokedToken(user: OAuthMailUser): Promise<string> {
  const token = (await user.grant()).accessToken;
  await user.idp.revokeAccessToken(token);
  return token;
}

/**
 * A source that hands out `refused` and, asked after its refusal, resolves
 * `retryAsked` and answers as `retry` does (to hold the answer back).
 */
export function heldRetrySource(
  refused: string,
  retry: (signal: AbortSignal) => Promise<string | undefined>,
): { tokens: RecordingTokenSource; retryAsked: Promise<void> } {
  let asked!: () => void;
  const retryAsked = new Promise<void>((resolve) => {
    asked = resolve;
  });
  const tokens = new RecordingTokenSource({
    fresh: [refused],
    retries: [
      async (signal) => {
        asked();
        return retry(signal);
      },
    ],
  });
  return { tokens, retryAsked };
}

/**
 * A held retry (heldRetrySource) that lasts until the request's abort: then
 * rejects with its reason (a source that `honours` the abort), or answers
 * `fresh` anyway.
 */
export function retryHeldUntilAbort(
  refused: string,
  fresh: string,
  honours: boolean,
): { tokens: RecordingTokenSource; retryAsked: Promise<void> } {
  return heldRetrySource(refused, async (signal) => {
    if (honours) return untilAborted(signal);
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    return fresh;
  });
}
