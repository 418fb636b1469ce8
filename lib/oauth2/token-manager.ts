import { createHash } from 'node:crypto';
import type { Account, OAuth2Credentials } from '../credentials/account.js';
import type { CredentialStore, OAuth2TokenUpdate } from '../credentials/store.js';
import { ConfigurationError, OAuthProviderTimeoutError, UpstreamAuthError } from '../mail/errors.js';
import { type Logger, silentLogger } from '../mail/logger.js';
import type { AccessTokenSource, OAuthTokenHolder } from './access-token-source.js';
import { type ResolvedOAuthClient, resolveOAuthClient } from './providers.js';
import { RefreshedTokenKeeper, type RefreshedTokenPersistence } from './refreshed-tokens.js';
import { type RefreshAnswer, requestRefresh } from './token-endpoint.js';

export interface OAuth2TokenManagerOptions {
  /** Where an account's `oauth2.app` is looked up. */
  apps: Pick<CredentialStore, 'getOAuthApp'>;
  /** Absent: refreshed tokens live in this process only. */
  persistence?: RefreshedTokenPersistence;
  logger?: Logger;
  /** A token request (and a write-back) gives up after this long; default 10 s. */
  timeoutMs?: number;
  /**
   * Whether a token endpoint may be plain http on a loopback address (tests,
   * a local identity provider); default false: on Lambda 127.0.0.1:9001 is
   * the Runtime API, and locally other services listen on loopback.
   * From MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP.
   */
  allowLoopbackHttp?: boolean;
  /** Accounts held at most (least recently used first out); default 10,000. */
  maxEntries?: number;
  now?: () => number;
}

interface HeldToken {
  value: string;
  /** Epoch ms; undefined for a stored token without `expiresAt`: used until a server refuses it. */
  expiresAt: number | undefined;
  lifetimeMs: number;
  /** Epoch ms when a refresh of this manager obtained it; undefined for a stored token. */
  mintedAt: number | undefined;
}

/** What this process knows of one account's tokens, valid while the stored credentials are the ones it came from. */
interface Entry {
  /** The account's own client fields (not its secret): a change means another registration. */
  client: string;
  /**
   * Every refresh token of this lineage, oldest first: the stored one the
   * entry started from and each rotation since (the last MAX_LINEAGE). A
   * stored document holding any of them is this lineage: a cached
   * document may lag several rotations behind.
   */
  lineage: string[];
  /** The refresh token in use: the newest of the lineage. */
  refreshToken: string;
  /**
   * Whether `refreshToken` is a rotation the store may lack (write-back off,
   * failed or refused): dropping the entry would lose the only copy.
   */
  unsaved: boolean;
  token: HeldToken | undefined;
  /** The last access token a server refused: never taken from the store again. */
  refused: string | undefined;
  flight: Promise<HeldToken> | undefined;
  /**
   * The provider refused a refresh with `refreshToken` by the client `client`
   * (clientFingerprint) until `until`: answered without asking it again. A
   * corrected client (secret, app) is asked at once.
   */
  refusedGrant: { refreshToken: string; client: string; until: number; error: UpstreamAuthError } | undefined;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_MARGIN_MS = 5 * 60_000;
/** The lifetime assumed when neither `expires_in` nor a stored token says (RFC 6749 leaves it to the provider). */
const ASSUMED_LIFETIME_MS = 60 * 60_000;
/** A refused refresh (the token or the client) is not tried again for this long, unless the stored token changes. */
const REFUSED_GRANT_MS = 30_000;
/**
 * A token this manager obtained from the provider less than this long ago
 * is not refreshed again when a server refuses it: the token is not the
 * problem (wrong user, IMAP or POP3 disabled for the mailbox), and a
 * refresh per request would run into the provider's rate limits.
 */
export const FRESHLY_MINTED_MS = 60_000;
/** Refresh tokens of one lineage recognised in a stored document. */
const MAX_LINEAGE = 16;
const DEFAULT_MAX_ENTRIES = 10_000;

/** 10 % of the token's lifetime, at most 5 minutes. */
export function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(lifetimeMs / 10, MAX_MARGIN_MS);
}

function clientKey(oauth2: OAuth2Credentials): string {
  return JSON.stringify([oauth2.app, oauth2.provider, oauth2.tenant, oauth2.clientId, oauth2.tokenUrl]);
}

/**
 * What identifies the client a refresh is sent as: its id, secret and token
 * endpoint, hashed so that no secret is kept in clear beyond the account.
 */
function clientFingerprint(client: ResolvedOAuthClient): string {
  return createHash('sha256')
    .update(JSON.stringify([client.clientId, client.clientSecret ?? null, client.tokenUrl]))
    .digest('base64url');
}

/** Whether a stored document with `storedRefreshToken` is the entry's lineage: the same client, one of its refresh tokens. */
function isLineageOf(entry: Entry, oauth2: OAuth2Credentials, storedRefreshToken: string): boolean {
  return entry.client === clientKey(oauth2) && entry.lineage.includes(storedRefreshToken);
}

/**
 * Keeps the access tokens of OAuth2 accounts fresh, per process (per Lambda
 * instance): the cached token while it is outside the refresh margin, else
 * the stored one if fresh, else one refresh, shared by every request of the
 * account that asks meanwhile. Refreshed tokens are handed to the
 * persistence port when there is one; a rotated refresh token is kept in
 * memory either way. At most `maxEntries` accounts are held, the least
 * recently used one dropped first.
 */
export class OAuth2TokenManager implements AccessTokenSource, OAuthTokenHolder {
  /** In order of use, least recent first. */
  readonly #entries = new Map<string, Entry>();
  readonly #apps: Pick<CredentialStore, 'getOAuthApp'>;
  readonly #keeper: RefreshedTokenKeeper;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #allowLoopbackHttp: boolean;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: OAuth2TokenManagerOptions) {
    this.#apps = options.apps;
    this.#logger = options.logger ?? silentLogger;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#allowLoopbackHttp = options.allowLoopbackHttp === true;
    this.#maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_MAX_ENTRIES);
    this.#now = options.now ?? Date.now;
    this.#keeper = new RefreshedTokenKeeper({
      persistence: options.persistence,
      logger: this.#logger,
      timeoutMs: this.#timeoutMs,
      maxWarned: this.#maxEntries,
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

  /**
   * Undefined, without a refresh, when the refused token is the one this
   * manager obtained from the provider less than FRESHLY_MINTED_MS ago:
   * the server refuses the login for another reason.
   * @throws as accessToken.
   */
  async afterRefusal(account: Account, refused: string, signal: AbortSignal): Promise<string | undefined> {
    const oauth2 = oauth2Of(account);
    if (oauth2.refreshToken === undefined) return undefined;
    const entry = this.#entryFor(account.id, oauth2, oauth2.refreshToken);
    entry.refused = refused;
    if (entry.flight !== undefined) return (await waitFor(entry.flight, signal)).value;
    const current = entry.token;
    if (current !== undefined && current.value !== refused && this.#usable(current)) return current.value;
    if (
      current?.value === refused &&
      current.mintedAt !== undefined &&
      this.#now() - current.mintedAt < FRESHLY_MINTED_MS
    ) {
      return undefined;
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
    if (entry === undefined || !isLineageOf(entry, oauth2, oauth2.refreshToken)) return undefined;
    const token = entry.token;
    if (token?.expiresAt === undefined || token.value === oauth2.accessToken) return undefined;
    return {
      accessToken: token.value,
      expiresAt: new Date(token.expiresAt).toISOString(),
      ...(entry.refreshToken !== oauth2.refreshToken ? { refreshToken: entry.refreshToken } : {}),
    };
  }

  /**
   * Drops what this process holds for the account: its next request starts
   * from the stored document (an account verified anew, or removed). A
   * refresh in progress runs on for the requests that wait for it.
   */
  forget(accountId: string): void {
    const entry = this.#entries.get(accountId);
    if (entry?.unsaved === true) this.#warnDropped(accountId, 'forgotten');
    this.#entries.delete(accountId);
    this.#keeper.forget(accountId);
  }

  /** The account's entry, or a new one when there is none or the stored credentials are another lineage. */
  #entryFor(id: string, oauth2: OAuth2Credentials, storedRefreshToken: string): Entry {
    const known = this.#entries.get(id);
    if (known !== undefined) {
      this.#entries.delete(id); // re-inserted as the most recently used
      if (isLineageOf(known, oauth2, storedRefreshToken)) {
        if (storedRefreshToken === known.refreshToken) known.unsaved = false; // the store has it now
        this.#entries.set(id, known);
        return known;
      }
    }
    const entry: Entry = {
      client: clientKey(oauth2),
      lineage: [storedRefreshToken],
      refreshToken: storedRefreshToken,
      unsaved: false,
      // A stored token without expiresAt is tried once, here; a refusal refreshes.
      token: storedToken(oauth2),
      refused: undefined,
      flight: undefined,
      refusedGrant: undefined,
    };
    this.#entries.set(id, entry);
    this.#evictBeyondCap(id);
    return entry;
  }

  /**
   * Drops entries beyond the cap, except `keep` and those with a refresh in
   * progress: the least recently used of those holding nothing the store
   * lacks first; only then, with a warning, ones holding a rotated refresh
   * token that was not written back.
   */
  #evictBeyondCap(keep: string): void {
    let excess = this.#entries.size - this.#maxEntries;
    for (const dropUnsaved of [false, true]) {
      for (const [id, entry] of this.#entries) {
        if (excess <= 0) return;
        if (id === keep || entry.flight !== undefined || entry.unsaved !== dropUnsaved) continue;
        if (entry.unsaved) this.#warnDropped(id, 'dropped at the cap of accounts held');
        this.#entries.delete(id);
        excess -= 1;
      }
    }
  }

  /** An entry holding the only copy of a rotated refresh token goes: say so (the account id, never a token). */
  #warnDropped(accountId: string, how: string): void {
    this.#logger.warn(
      `oauth2 account ${how} while holding a rotated refresh token that was not written back; ` +
        'the stored one works only as long as the provider honours it; turn on MAILGATE_OAUTH_WRITE_BACK or re-consent',
      { account: accountId },
    );
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
    const client = await this.#client(account);
    const fingerprint = clientFingerprint(client);
    const refusedGrant = entry.refusedGrant;
    if (
      refusedGrant?.refreshToken === used &&
      refusedGrant.client === fingerprint &&
      refusedGrant.until > this.#now()
    ) {
      throw refusedGrant.error;
    }
    const startedAt = this.#now();
    let answer: RefreshAnswer;
    try {
      answer = await requestRefresh(client, used, {
        accountId: account.id,
        timeoutMs: this.#timeoutMs,
        allowLoopbackHttp: this.#allowLoopbackHttp,
      });
    } catch (error) {
      // A refusal of the grant or of the client: asking again at once would be refused again.
      if (error instanceof UpstreamAuthError) {
        entry.refusedGrant = {
          refreshToken: used,
          client: fingerprint,
          until: this.#now() + REFUSED_GRANT_MS,
          error,
        };
      }
      this.#logger.warn('oauth2 refresh failed', {
        account: account.id,
        code: (error as { code?: unknown }).code,
      });
      throw error;
    }
    const lifetimeMs =
      answer.expiresInSeconds !== undefined ? answer.expiresInSeconds * 1000 : ASSUMED_LIFETIME_MS;
    const token: HeldToken = {
      value: answer.accessToken,
      expiresAt: startedAt + lifetimeMs,
      lifetimeMs,
      mintedAt: this.#now(),
    };
    const rotated = answer.refreshToken !== undefined && answer.refreshToken !== used;
    entry.token = token;
    if (rotated && answer.refreshToken !== undefined) {
      entry.refreshToken = answer.refreshToken;
      entry.unsaved = true;
      entry.lineage.push(answer.refreshToken);
      if (entry.lineage.length > MAX_LINEAGE) entry.lineage.splice(0, entry.lineage.length - MAX_LINEAGE);
    }
    this.#logger.info('oauth2 access token refreshed', {
      account: account.id,
      expiresInSeconds: Math.round(lifetimeMs / 1000),
      rotated,
    });
    const current = entry.refreshToken;
    const saved = await this.#keeper.keep(account.id, {
      usedRefreshToken: used,
      accessToken: token.value,
      expiresAt: new Date(startedAt + lifetimeMs).toISOString(),
      ...(rotated ? { refreshToken: current } : {}),
    });
    if (saved && entry.refreshToken === current) entry.unsaved = false;
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
  return { value: oauth2.accessToken, expiresAt, lifetimeMs: ASSUMED_LIFETIME_MS, mintedAt: undefined };
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
  return OAuthProviderTimeoutError.pastDeadline({ cause: signal.reason });
}
