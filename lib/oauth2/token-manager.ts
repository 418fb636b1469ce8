import type { Account, OAuth2Credentials } from '../credentials/account.js';
import type { CredentialStore, OAuth2TokenUpdate } from '../credentials/store.js';
import { ConfigurationError, OAuthProviderTimeoutError } from '../mail/errors.js';
import { type Logger, silentLogger } from '../mail/logger.js';
import type { AccessTokenSource } from './access-token-source.js';
import { type ResolvedOAuthClient, resolveOAuthClient } from './providers.js';
import { RefreshedTokenKeeper, type RefreshedTokenPersistence } from './refreshed-tokens.js';
import { type RefreshAnswer, requestRefresh } from './token-endpoint.js';
import { RefreshTokenRefusedError } from './token-errors.js';

export interface OAuth2TokenManagerOptions {
  /** Where an account's `oauth2.app` is looked up. */
  apps: Pick<CredentialStore, 'getOAuthApp'>;
  /** Absent: refreshed tokens live in this process only. */
  persistence?: RefreshedTokenPersistence;
  logger?: Logger;
  /** A token request (and a write-back) gives up after this long; default 10 s. */
  timeoutMs?: number;
  now?: () => number;
}

interface HeldToken {
  value: string;
  /** Epoch ms; undefined for a stored token without `expiresAt`: used until a server refuses it. */
  expiresAt: number | undefined;
  lifetimeMs: number;
}

/** What this process knows of one account's tokens, valid while the stored credentials are the ones it came from. */
interface Entry {
  /** The account's own client fields (not its secret): a change means another registration. */
  client: string;
  /** The stored refresh token this entry started from. */
  originRefreshToken: string;
  /** The refresh token in use (the provider may have rotated it). */
  refreshToken: string;
  token: HeldToken | undefined;
  /** The last access token a server refused: never taken from the store again. */
  refused: string | undefined;
  flight: Promise<HeldToken> | undefined;
  /** invalid_grant for `refreshToken` until `until`: answered without asking the provider again. */
  refusedGrant: { refreshToken: string; until: number; error: RefreshTokenRefusedError } | undefined;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_MARGIN_MS = 5 * 60_000;
/** The lifetime assumed when neither `expires_in` nor a stored token says (RFC 6749 leaves it to the provider). */
const ASSUMED_LIFETIME_MS = 60 * 60_000;
/** A refused refresh token is not tried again for this long, unless the stored one changes. */
const REFUSED_GRANT_MS = 30_000;

/** 10 % of the token's lifetime, at most 5 minutes. */
export function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(lifetimeMs / 10, MAX_MARGIN_MS);
}

function clientKey(oauth2: OAuth2Credentials): string {
  return JSON.stringify([oauth2.app, oauth2.provider, oauth2.tenant, oauth2.clientId, oauth2.tokenUrl]);
}

/**
 * Keeps the access tokens of OAuth2 accounts fresh, per process (per Lambda
 * instance): the cached token while it is outside the refresh margin, else
 * the stored one if fresh, else one refresh, shared by every request of the
 * account that asks meanwhile. Refreshed tokens are handed to the
 * persistence port when there is one; a rotated refresh token is kept in
 * memory either way.
 */
export class OAuth2TokenManager implements AccessTokenSource {
  readonly #entries = new Map<string, Entry>();
  readonly #apps: Pick<CredentialStore, 'getOAuthApp'>;
  readonly #keeper: RefreshedTokenKeeper;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #now: () => number;

  constructor(options: OAuth2TokenManagerOptions) {
    this.#apps = options.apps;
    this.#logger = options.logger ?? silentLogger;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#now = options.now ?? Date.now;
    this.#keeper = new RefreshedTokenKeeper({
      persistence: options.persistence,
      logger: this.#logger,
      timeoutMs: this.#timeoutMs,
    });
  }

  /**
   * @throws UpstreamAuthError, OAuthProviderUnavailableError, OAuthProviderTimeoutError
   *   (the refresh failed; also when `signal` aborts while it runs), ConfigurationError.
   */
  async accessToken(account: Account, signal: AbortSignal): Promise<string> {
    const oauth2 = oauth2Of(account);
    if (oauth2.refreshToken === undefined) return storedOnly(account, oauth2);
    const entry = this.#entryFor(account.id, oauth2, oauth2.refreshToken);
    if (this.#usable(entry.token)) return entry.token.value;
    const stored = storedToken(oauth2);
    if (stored?.expiresAt !== undefined && stored.value !== entry.refused && this.#usable(stored)) {
      entry.token = stored; // written back by another process since this one refreshed
      return stored.value;
    }
    return (await this.#refreshShared(entry, account, signal)).value;
  }

  /** @throws as accessToken. */
  async afterRefusal(account: Account, refused: string, signal: AbortSignal): Promise<string | undefined> {
    const oauth2 = oauth2Of(account);
    if (oauth2.refreshToken === undefined) return undefined;
    const entry = this.#entryFor(account.id, oauth2, oauth2.refreshToken);
    entry.refused = refused;
    if (entry.flight !== undefined) return (await waitFor(entry.flight, signal)).value;
    if (entry.token !== undefined && entry.token.value !== refused && this.#usable(entry.token)) {
      return entry.token.value;
    }
    entry.token = undefined;
    return (await this.#refreshShared(entry, account, signal)).value;
  }

  /**
   * What this process holds for the account beyond its stored document: the
   * access token it uses and, when the provider rotated it, the refresh token.
   * For an account about to be stored after a login that refreshed
   * (`?verify=true`): the write-back had no document to update, and a
   * provider that rotates strictly has already invalidated the stored one.
   * Undefined when nothing newer than the document is held.
   */
  held(account: Account): OAuth2TokenUpdate | undefined {
    const oauth2 = account.oauth2;
    if (oauth2?.refreshToken === undefined) return undefined;
    const entry = this.#entries.get(account.id);
    if (
      entry === undefined ||
      entry.client !== clientKey(oauth2) ||
      (oauth2.refreshToken !== entry.originRefreshToken && oauth2.refreshToken !== entry.refreshToken)
    ) {
      return undefined;
    }
    const token = entry.token;
    if (token?.expiresAt === undefined || token.value === oauth2.accessToken) return undefined;
    return {
      accessToken: token.value,
      expiresAt: new Date(token.expiresAt).toISOString(),
      ...(entry.refreshToken !== oauth2.refreshToken ? { refreshToken: entry.refreshToken } : {}),
    };
  }

  /** The account's entry, or a new one when there is none or the stored credentials are another lineage. */
  #entryFor(id: string, oauth2: OAuth2Credentials, storedRefreshToken: string): Entry {
    const client = clientKey(oauth2);
    const known = this.#entries.get(id);
    if (
      known !== undefined &&
      known.client === client &&
      (storedRefreshToken === known.originRefreshToken || storedRefreshToken === known.refreshToken)
    ) {
      return known;
    }
    const entry: Entry = {
      client,
      originRefreshToken: storedRefreshToken,
      refreshToken: storedRefreshToken,
      // A stored token without expiresAt is tried once, here; a refusal refreshes.
      token: storedToken(oauth2),
      refused: undefined,
      flight: undefined,
      refusedGrant: undefined,
    };
    this.#entries.set(id, entry);
    return entry;
  }

  #usable(token: HeldToken | undefined): token is HeldToken {
    if (token === undefined) return false;
    return token.expiresAt === undefined || token.expiresAt - refreshMarginMs(token.lifetimeMs) > this.#now();
  }

  /** Starts the account's refresh unless one runs; waits for it no longer than `signal` allows. */
  #refreshShared(entry: Entry, account: Account, signal: AbortSignal): Promise<HeldToken> {
    if (entry.flight === undefined) {
      const flight = this.#runRefresh(entry, account);
      entry.flight = flight;
      const settled = () => {
        if (entry.flight === flight) entry.flight = undefined;
      };
      flight.then(settled, settled);
    }
    return waitFor(entry.flight, signal);
  }

  async #runRefresh(entry: Entry, account: Account): Promise<HeldToken> {
    const used = entry.refreshToken;
    const refusedGrant = entry.refusedGrant;
    if (refusedGrant?.refreshToken === used && refusedGrant.until > this.#now()) throw refusedGrant.error;
    const client = await this.#client(account);
    const startedAt = this.#now();
    let answer: RefreshAnswer;
    try {
      answer = await requestRefresh(client, used, { accountId: account.id, timeoutMs: this.#timeoutMs });
    } catch (error) {
      if (error instanceof RefreshTokenRefusedError) {
        entry.refusedGrant = { refreshToken: used, until: this.#now() + REFUSED_GRANT_MS, error };
      }
      this.#logger.warn('oauth2 refresh failed', {
        account: account.id,
        code: (error as { code?: unknown }).code,
      });
      throw error;
    }
    const lifetimeMs =
      answer.expiresInSeconds !== undefined ? answer.expiresInSeconds * 1000 : ASSUMED_LIFETIME_MS;
    const token: HeldToken = { value: answer.accessToken, expiresAt: startedAt + lifetimeMs, lifetimeMs };
    const rotated = answer.refreshToken !== undefined && answer.refreshToken !== used;
    entry.token = token;
    if (rotated && answer.refreshToken !== undefined) entry.refreshToken = answer.refreshToken;
    this.#logger.info('oauth2 access token refreshed', {
      account: account.id,
      expiresInSeconds: Math.round(lifetimeMs / 1000),
      rotated,
    });
    await this.#keeper.keep(account.id, {
      usedRefreshToken: used,
      accessToken: token.value,
      expiresAt: new Date(startedAt + lifetimeMs).toISOString(),
      ...(rotated ? { refreshToken: entry.refreshToken } : {}),
    });
    return token;
  }

  /** @throws ConfigurationError for an app that is not stored or a client that cannot refresh. */
  async #client(account: Account): Promise<ResolvedOAuthClient> {
    const oauth2 = oauth2Of(account);
    const app = oauth2.app === undefined ? undefined : await this.#apps.getOAuthApp(oauth2.app);
    if (oauth2.app !== undefined && app === undefined) {
      throw new ConfigurationError(`account "${account.id}": OAuth app "${oauth2.app}" is not stored`);
    }
    const client = resolveOAuthClient(oauth2, app);
    if (client === undefined) {
      throw new ConfigurationError(`account "${account.id}": no client id or token endpoint to refresh with`);
    }
    return client;
  }
}

function oauth2Of(account: Account): OAuth2Credentials {
  if (account.oauth2 === undefined)
    throw new ConfigurationError(`account "${account.id}": not an OAuth2 account`);
  return account.oauth2;
}

/** An account someone else refreshes: its stored access token, as is. */
function storedOnly(account: Account, oauth2: OAuth2Credentials): string {
  if (oauth2.accessToken === undefined) {
    throw new ConfigurationError(`account "${account.id}": no OAuth2 access token or refresh token`);
  }
  return oauth2.accessToken;
}

function storedToken(oauth2: OAuth2Credentials): HeldToken | undefined {
  if (oauth2.accessToken === undefined) return undefined;
  const expiresAt = oauth2.expiresAt === undefined ? undefined : Date.parse(oauth2.expiresAt);
  return { value: oauth2.accessToken, expiresAt, lifetimeMs: ASSUMED_LIFETIME_MS };
}

/** The shared refresh, or OAuthProviderTimeoutError as soon as this request's own signal aborts. */
function waitFor<T>(shared: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortedWhileRefreshing(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedWhileRefreshing(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    shared.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function abortedWhileRefreshing(signal: AbortSignal): OAuthProviderTimeoutError {
  return new OAuthProviderTimeoutError(
    "The request's deadline passed while the OAuth2 access token was being refreshed.",
    { cause: signal.reason },
  );
}
