import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ConfigurationError, InvalidRequestError, MailgateError } from '../mail/errors.js';
import {
  ACCOUNT_ID_PATTERN,
  type Account,
  type AccountDocument,
  OAUTH_APP_NAME_PATTERN,
  type OAuthApp,
} from './account.js';
import { withRefreshedTokens } from './oauth2-token-update.js';
import {
  parseStoredAccount,
  parseStoredJson,
  parseStoredOAuthApp,
  parseStoredToken,
} from './parse-stored.js';
import { SecretCache } from './secret-cache.js';
import type { AdminCredentialStore, OAuth2TokenUpdate, TokenGrant, TokenRecord } from './store.js';
import { mintToken, type NewTokenGrant, TOKEN_ID_PATTERN, verifyTokenWith } from './tokens.js';

/** `oauthApps` came later: an index written before it lists none. */
const indexSchema = z.object({
  accounts: z.array(z.string()),
  tokens: z.array(z.string()),
  oauthApps: z.array(z.string()).default([]),
});
type SecretIndex = z.infer<typeof indexSchema>;

/**
 * A token id the index does not list is refused without reading its secret;
 * the index is read again for such an id at most this often, so a token
 * created since works within this long in a running function. Should the
 * index have lost an id all the same, one unlisted token's secret is read
 * directly at most this often (per process), so a client sending made-up ids
 * costs at most one GetSecretValue of the index and one of a token per
 * interval.
 */
const UNLISTED_TOKEN_RECHECK_MS = 5_000;
/** Unlisted token ids whose secret was found, remembered so they keep working (real tokens only, so few). */
const MAX_FOUND_UNLISTED = 1000;

/** How long a writer of the index waits before reading it back to see that its change stayed. */
const DEFAULT_INDEX_SETTLE_MS = 250;
/** Writes of one index change, the first included, before giving up. */
const MAX_INDEX_WRITES = 4;

export interface SecretsManagerCredentialStoreOptions {
  /** Prefix of every secret name, e.g. `mailgate/`. */
  prefix: string;
  /** How long a read stays cached; 0 disables the cache. */
  cacheSeconds: number;
  client?: SecretsManagerClient;
  /**
   * The KMS key (id, ARN or alias) new secrets are encrypted with, sent as
   * `KmsKeyId` on CreateSecret; default the AWS managed `aws/secretsmanager`.
   * A secret that exists keeps the key it was created with.
   */
  kmsKeyId?: string;
  /**
   * How long after writing the index it is read back to check that no
   * concurrent writer overwrote the change (plus up to half as much again at
   * random, so that two writers retrying fall out of step). Default 250 ms;
   * 0 reads back at once.
   */
  indexSettleMs?: number;
  now?: () => number;
}

function isNotFound(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'ResourceNotFoundException';
}

function storeError(verb: 'read' | 'write', cause: unknown): MailgateError {
  return new MailgateError('internal_error', `Could not ${verb} the credential store.`, { cause });
}

/**
 * Credentials in AWS Secrets Manager: `<prefix>accounts/<id>` holds an account
 * document, `<prefix>tokens/<tokenId>` a token record, `<prefix>oauth-apps/<name>`
 * an OAuth app (not indexed: only ever read by name), and `<prefix>index` the
 * ids of accounts and tokens. The index lets the API list accounts with GetSecretValue alone
 * (no ListSecrets), so its role needs nothing but `secretsmanager:GetSecretValue`
 * on `<prefix>*`, and refuse a token id it does not list without reading a
 * secret. Only the admin write methods maintain the index.
 */
export class SecretsManagerCredentialStore implements AdminCredentialStore {
  readonly #client: SecretsManagerClient;
  readonly #prefix: string;
  readonly #cache: SecretCache;
  readonly #now: () => number;
  readonly #indexSettleMs: number;
  readonly #kmsKeyId: string | undefined;
  /** The token ids the index listed when last read, for refusing unknown ids without a call. */
  #tokenIds: Promise<Set<string>> | undefined;
  #tokenIdsReadAt = Number.NEGATIVE_INFINITY;
  /** When an unlisted token's secret was last read directly (see UNLISTED_TOKEN_RECHECK_MS). */
  #unlistedReadAt = Number.NEGATIVE_INFINITY;
  /** Token ids the index does not list but whose secret exists: the index lost them. */
  readonly #foundUnlisted = new Set<string>();

  constructor(options: SecretsManagerCredentialStoreOptions) {
    this.#client = options.client ?? new SecretsManagerClient({});
    this.#prefix = options.prefix;
    this.#now = options.now ?? Date.now;
    this.#indexSettleMs = options.indexSettleMs ?? DEFAULT_INDEX_SETTLE_MS;
    this.#kmsKeyId = options.kmsKeyId;
    this.#cache = new SecretCache({ ttlSeconds: options.cacheSeconds, now: this.#now });
  }

  /** @throws ConfigurationError for a malformed document; MailgateError (internal_error) when Secrets Manager fails. */
  async getAccount(id: string): Promise<Account | undefined> {
    if (!ACCOUNT_ID_PATTERN.test(id)) return undefined;
    const text = await this.#cached(this.#accountName(id));
    return text === undefined
      ? undefined
      : parseStoredAccount(id, parseStoredJson(text, `account "${id}": the secret`));
  }

  async listAccountIds(): Promise<string[]> {
    return (await this.#readIndex(await this.#cached(this.#indexName()))).accounts;
  }

  invalidateAccount(id: string): void {
    this.#cache.delete(this.#accountName(id));
  }

  /** @throws ConfigurationError for a malformed app; MailgateError (internal_error) when Secrets Manager fails. */
  async getOAuthApp(name: string): Promise<OAuthApp | undefined> {
    if (!OAUTH_APP_NAME_PATTERN.test(name)) return undefined;
    const text = await this.#cached(this.#appName(name));
    return text === undefined
      ? undefined
      : parseStoredOAuthApp(name, parseStoredJson(text, `OAuth app "${name}": the secret`));
  }

  /**
   * Reads a token's secret when the index lists its id. An unlisted id has
   * its secret read at most once per interval per process, so made-up ids
   * cost a bounded number of calls (see UNLISTED_TOKEN_RECHECK_MS); one
   * whose secret exists (an id the index lost) is remembered and works from
   * then on, until its secret is gone.
   */
  async verifyToken(token: string): Promise<TokenGrant | undefined> {
    return verifyTokenWith(token, async (tokenId) => {
      if (await this.#listsToken(tokenId)) return this.#loadToken(tokenId);
      if (!this.#foundUnlisted.has(tokenId) && !this.#mayReadUnlisted()) return undefined;
      const record = await this.#loadToken(tokenId);
      if (record === undefined) this.#foundUnlisted.delete(tokenId);
      else if (this.#foundUnlisted.size < MAX_FOUND_UNLISTED) this.#foundUnlisted.add(tokenId);
      return record;
    });
  }

  /** @throws InvalidRequestError for a bad id; ConfigurationError for a bad document. */
  async putAccount(id: string, document: AccountDocument): Promise<void> {
    if (!ACCOUNT_ID_PATTERN.test(id)) throw new InvalidRequestError(`invalid account id "${id}"`);
    const { id: _ignored, ...validated } = parseStoredAccount(id, document);
    await this.#write(this.#accountName(id), JSON.stringify(validated));
    await this.#updateIndex((index) => index.accounts.push(id));
  }

  /** Deletes the secret before the index entry: a failure in between leaves a harmless dangling id, never a live account. */
  async removeAccount(id: string): Promise<boolean> {
    if (!ACCOUNT_ID_PATTERN.test(id)) return false;
    const removed = await this.#delete(this.#accountName(id));
    await this.#updateIndex((index) => {
      index.accounts = index.accounts.filter((each) => each !== id);
    });
    return removed;
  }

  /** @throws InvalidRequestError for a bad name; ConfigurationError for a bad app. */
  async putOAuthApp(name: string, app: OAuthApp): Promise<void> {
    if (!OAUTH_APP_NAME_PATTERN.test(name)) throw new InvalidRequestError(`invalid OAuth app name "${name}"`);
    await this.#write(this.#appName(name), JSON.stringify(parseStoredOAuthApp(name, app)));
    await this.#updateIndex((index) => index.oauthApps.push(name));
  }

  async removeOAuthApp(name: string): Promise<boolean> {
    if (!OAUTH_APP_NAME_PATTERN.test(name)) return false;
    const removed = await this.#delete(this.#appName(name));
    await this.#updateIndex((index) => {
      index.oauthApps = index.oauthApps.filter((each) => each !== name);
    });
    return removed;
  }

  /** From the index: apps stored before the index listed them are not named. */
  async listOAuthAppNames(): Promise<string[]> {
    return this.#readIndex(await this.#fetch(this.#indexName())).oauthApps;
  }

  /**
   * Compare-and-set on the secret as Secrets Manager holds it now (never the
   * cache): read, compare the refresh token, PutSecretValue. Needs
   * `secretsmanager:PutSecretValue` on the account's secret. Secrets Manager
   * has no conditional put, so a re-consent written in the one round trip
   * between the read and the put is overwritten (it stays in the secret's
   * AWSPREVIOUS version).
   * @throws ConfigurationError when the updated document would not be valid (nothing is written);
   *   MailgateError (internal_error) when Secrets Manager fails.
   */
  async updateOAuth2Tokens(
    id: string,
    expectedRefreshToken: string,
    next: OAuth2TokenUpdate,
  ): Promise<boolean> {
    if (!ACCOUNT_ID_PATTERN.test(id)) return false;
    const name = this.#accountName(id);
    const text = await this.#fetch(name);
    if (text === undefined) return false;
    const updated = withRefreshedTokens(
      parseStoredJson(text, `account "${id}": the secret`),
      expectedRefreshToken,
      next,
    );
    if (updated === undefined) return false;
    parseStoredAccount(id, updated);
    await this.#put(name, JSON.stringify(updated));
    return true;
  }

  async createToken(grant: NewTokenGrant): Promise<{ token: string; record: TokenRecord }> {
    const minted = mintToken(grant);
    await this.#write(this.#tokenName(minted.record.tokenId), JSON.stringify(minted.record));
    await this.#updateIndex((index) => index.tokens.push(minted.record.tokenId));
    return minted;
  }

  async listTokens(): Promise<TokenRecord[]> {
    const index = await this.#readIndex(await this.#fetch(this.#indexName()));
    const records = await Promise.all(index.tokens.map((tokenId) => this.#loadToken(tokenId)));
    return records.filter((record): record is TokenRecord => record !== undefined);
  }

  async revokeToken(tokenId: string): Promise<boolean> {
    if (!TOKEN_ID_PATTERN.test(tokenId)) return false;
    const removed = await this.#delete(this.#tokenName(tokenId));
    await this.#updateIndex((index) => {
      index.tokens = index.tokens.filter((each) => each !== tokenId);
    });
    return removed;
  }

  #accountName(id: string): string {
    return `${this.#prefix}accounts/${id}`;
  }

  #tokenName(tokenId: string): string {
    return `${this.#prefix}tokens/${tokenId}`;
  }

  #appName(name: string): string {
    return `${this.#prefix}oauth-apps/${name}`;
  }

  #indexName(): string {
    return `${this.#prefix}index`;
  }

  async #loadToken(tokenId: string): Promise<TokenRecord | undefined> {
    const text = await this.#cached(this.#tokenName(tokenId));
    return text === undefined
      ? undefined
      : parseStoredToken(tokenId, parseStoredJson(text, `token "${tokenId}": the secret`));
  }

  async #listsToken(tokenId: string): Promise<boolean> {
    if ((await this.#listedTokenIds(false)).has(tokenId)) return true;
    // Not listed when the index was read: it may have been created since.
    return (await this.#listedTokenIds(true)).has(tokenId);
  }

  /** Whether an id the index does not list may have its secret read now; spends this interval's one read. */
  #mayReadUnlisted(): boolean {
    const now = this.#now();
    if (now - this.#unlistedReadAt < UNLISTED_TOKEN_RECHECK_MS) return false;
    this.#unlistedReadAt = now;
    return true;
  }

  /** The index's token ids; read again when `fresh` is asked for and the last read is old enough. */
  #listedTokenIds(fresh: boolean): Promise<Set<string>> {
    const now = this.#now();
    const due = fresh && now - this.#tokenIdsReadAt >= UNLISTED_TOKEN_RECHECK_MS;
    if (this.#tokenIds === undefined || due) {
      this.#tokenIdsReadAt = now;
      const reading = this.#fetch(this.#indexName()).then((text) => new Set(this.#readIndex(text).tokens));
      this.#tokenIds = reading;
      // A failed read is not kept: the next request tries again.
      reading.catch(() => {
        if (this.#tokenIds === reading) this.#tokenIds = undefined;
      });
    }
    return this.#tokenIds;
  }

  #readIndex(text: string | undefined): SecretIndex {
    if (text === undefined) return { accounts: [], tokens: [], oauthApps: [] };
    const result = indexSchema.safeParse(parseStoredJson(text, `secret "${this.#indexName()}"`));
    if (!result.success) {
      throw new ConfigurationError(
        `secret "${this.#indexName()}" must be {"accounts": [ids], "tokens": [ids]}`,
      );
    }
    return result.data;
  }

  /**
   * Read-modify-write of the index from Secrets Manager itself, never from
   * the cache. Secrets Manager has no conditional write, so a writer that
   * read the index before this write and writes after it drops this change:
   * after a settle time the index is read back and `change` applied to it
   * again; when that changes anything, the change was lost and is written
   * again, up to MAX_INDEX_WRITES writes in all. `change` must be idempotent
   * (add or remove an id).
   * @throws MailgateError (internal_error) naming the index when the change does not stay.
   */
  async #updateIndex(change: (index: SecretIndex) => void): Promise<void> {
    const name = this.#indexName();
    let index = this.#readIndex(await this.#fetch(name));
    for (let writes = 1; ; writes += 1) {
      change(index);
      const written = serializeIndex(index);
      await this.#write(name, written);
      this.#rememberTokenIds(index);
      if (this.#indexSettleMs > 0) {
        await sleep(this.#indexSettleMs * (1 + Math.random() / 2));
      }
      const current = this.#readIndex(await this.#fetch(name));
      const before = serializeIndex(current);
      change(current);
      if (serializeIndex(current) === before) {
        this.#rememberTokenIds(current);
        return;
      }
      if (writes >= MAX_INDEX_WRITES) {
        throw new MailgateError(
          'internal_error',
          `Could not update the credential store's index "${name}": concurrent changes overwrote it ${writes} times.`,
        );
      }
      index = current;
    }
  }

  /** This process sees its own index writes at once. */
  #rememberTokenIds(index: SecretIndex): void {
    this.#tokenIds = Promise.resolve(new Set(index.tokens));
    this.#tokenIdsReadAt = this.#now();
  }

  #cached(name: string): Promise<string | undefined> {
    return this.#cache.get(name, () => this.#fetch(name));
  }

  async #fetch(name: string): Promise<string | undefined> {
    let secret: string | undefined;
    try {
      secret = (await this.#client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw storeError('read', error);
    }
    if (secret === undefined) throw new ConfigurationError(`secret "${name}" has no SecretString`);
    return secret;
  }

  /** PutSecretValue of a secret that exists; a secret deleted meanwhile is not created again. */
  async #put(name: string, value: string): Promise<void> {
    try {
      await this.#client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
    } catch (error) {
      throw storeError('write', error);
    }
    this.#cache.set(name, value);
  }

  /** PutSecretValue, or CreateSecret (with the configured KMS key) the first time a name is written. */
  async #write(name: string, value: string): Promise<void> {
    try {
      await this.#client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
    } catch (error) {
      if (!isNotFound(error)) throw storeError('write', error);
      try {
        await this.#client.send(
          new CreateSecretCommand({
            Name: name,
            SecretString: value,
            ...(this.#kmsKeyId === undefined ? {} : { KmsKeyId: this.#kmsKeyId }),
          }),
        );
      } catch (createError) {
        throw storeError('write', createError);
      }
    }
    this.#cache.set(name, value);
  }

  /**
   * Deletes without a recovery window, so a removed account or revoked token
   * stops working at once and its name can be reused. DescribeSecret first,
   * because a forced delete does not reliably report a missing secret.
   */
  async #delete(name: string): Promise<boolean> {
    this.#cache.delete(name);
    try {
      const described = await this.#client.send(new DescribeSecretCommand({ SecretId: name }));
      // A secret already scheduled for deletion is purged too, so that its name can be reused.
      await this.#client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
      this.#cache.set(name, undefined);
      return described.DeletedDate === undefined;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw storeError('write', error);
    }
  }
}

/** The index as stored: ids unique and sorted, `oauthApps` only when it lists any. */
function serializeIndex(index: SecretIndex): string {
  return JSON.stringify({
    accounts: [...new Set(index.accounts)].sort(),
    tokens: [...new Set(index.tokens)].sort(),
    ...(index.oauthApps.length > 0 ? { oauthApps: [...new Set(index.oauthApps)].sort() } : {}),
  });
}
