import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { Account, AccountDocument, OAuth2Credentials } from '../../lib/credentials/account.js';
import type { AccessTokenSource } from '../../lib/oauth2/access-token-source.js';
import { FakeIdpControl, type FakeIdpGrant } from './fake-idp/index.js';
import { createMailUser, type MailUser } from './mail-server.js';

/** The fake identity provider the test Dovecot asks about every bearer token (started by test/global-setup.ts). */
export function oauthIdp(): FakeIdpControl {
  return new FakeIdpControl(inject('oauthIdp').url);
}

/** A Dovecot user whose logins go through OAuth2: a client of its own at the fake provider, and tokens for the user. */
export interface OAuthMailUser extends MailUser {
  idp: FakeIdpControl;
  /** Unique to this user, so the provider's per-client stats count this file's logins only. */
  clientId: string;
  /** What the provider granted when the user was created. */
  tokens: FakeIdpGrant;
  /** Tokens as if the user consented again (a new access and refresh token). */
  grant(options?: { accessTokenTtlSeconds?: number }): Promise<FakeIdpGrant>;
  /**
   * An OAuth2 account document for this user (implicit TLS IMAP by default,
   * no password): provider `custom`, the fake provider's token URL, and the
   * tokens given (the creation grant by default). `oauth2` fields override.
   */
  oauthAccount(
    overrides?: Partial<AccountDocument>,
    oauth2?: Partial<OAuth2Credentials>,
    tokens?: FakeIdpGrant,
  ): Account;
}

/**
 * A fresh mail user on the test Dovecot with tokens granted for it by the
 * fake provider. Dovecot's oauth2 passdb checks that the introspected
 * `username` is the user logging in, so tokens name the exact Dovecot user.
 */
export async function createOAuthMailUser(label = 'oauth'): Promise<OAuthMailUser> {
  const user = await createMailUser(label);
  const idp = oauthIdp();
  const clientId = `mailgate-${user.user}-${randomBytes(4).toString('hex')}`;
  await idp.configureClient({ clientId });
  const grant = (options: { accessTokenTtlSeconds?: number } = {}) =>
    idp.grant({ clientId, user: user.user, ...options });
  const tokens = await grant();
  return {
    ...user,
    idp,
    clientId,
    tokens,
    grant,
    oauthAccount(overrides = {}, oauth2 = {}, given = tokens) {
      const { password: _password, ...document } = user.account(overrides);
      return {
        id: `oauth-${user.user}`,
        ...document,
        oauth2: {
          provider: 'custom',
          clientId,
          tokenUrl: idp.tokenUrl,
          refreshToken: given.refreshToken,
          accessToken: given.accessToken,
          expiresAt: given.expiresAt,
          ...oauth2,
        },
      };
    },
  };
}

/** One call a protocol adapter made to a RecordingTokenSource. */
export type TokenSourceCall =
  | { method: 'accessToken'; accountId: string }
  | { method: 'afterRefusal'; accountId: string; refused: string };

/**
 * A test double of the OAuth2 token manager: hands out the tokens it is
 * given, in order, and records every call. `accessToken` answers the first
 * of `fresh` (again and again once one is left); `afterRefusal` answers the
 * next of `retries` (undefined when none is left). Either may be a function
 * of the call's signal, to hold the answer back.
 */
export class RecordingTokenSource implements AccessTokenSource {
  readonly calls: TokenSourceCall[] = [];
  readonly #fresh: Array<string | ((signal: AbortSignal) => Promise<string>)>;
  readonly #retries: Array<string | undefined | ((signal: AbortSignal) => Promise<string | undefined>)>;

  constructor(options: {
    fresh: Array<string | ((signal: AbortSignal) => Promise<string>)>;
    retries?: Array<string | undefined | ((signal: AbortSignal) => Promise<string | undefined>)>;
  }) {
    this.#fresh = [...options.fresh];
    this.#retries = [...(options.retries ?? [])];
  }

  async accessToken(account: Account, signal: AbortSignal): Promise<string> {
    this.calls.push({ method: 'accessToken', accountId: account.id });
    const next = this.#fresh.length > 1 ? this.#fresh.shift()! : this.#fresh[0]!;
    return typeof next === 'function' ? next(signal) : next;
  }

  async afterRefusal(account: Account, refused: string, signal: AbortSignal): Promise<string | undefined> {
    this.calls.push({ method: 'afterRefusal', accountId: account.id, refused });
    const next = this.#retries.shift();
    return typeof next === 'function' ? next(signal) : next;
  }

  /** The calls' method names, in order. */
  get methods(): string[] {
    return this.calls.map((call) => call.method);
  }
}

/** A token answer held back until `signal` aborts, then rejected with its reason (a source that honours the request's abort). */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
