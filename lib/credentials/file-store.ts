import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigurationError, InvalidRequestError, MailgateError } from '../mail/errors.js';
import {
  ACCOUNT_ID_PATTERN,
  type Account,
  type AccountDocument,
  OAUTH_APP_NAME_PATTERN,
  type OAuthApp,
} from './account.js';
import { FileLock, type FileLockOptions } from './file-lock.js';
import { withRefreshedTokens } from './oauth2-token-update.js';
import {
  parseStoredAccount,
  parseStoredJson,
  parseStoredOAuthApp,
  parseStoredToken,
} from './parse-stored.js';
import type { AdminCredentialStore, OAuth2TokenUpdate, TokenGrant, TokenRecord } from './store.js';
import { mintToken, type NewTokenGrant, verifyTokenWith } from './tokens.js';

/** The file as stored: documents stay raw until one is asked for, so one bad account does not hide the others. */
interface FileContents {
  accounts: Record<string, unknown>;
  tokens: Record<string, unknown>;
  /** Absent from files written before OAuth apps existed; written only when it has an app. */
  oauthApps: Record<string, unknown>;
}

const emptyContents = (): FileContents => ({ accounts: {}, tokens: {}, oauthApps: {} });

interface CachedRead {
  key: string;
  contents: FileContents;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function own(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * The local credential store: one JSON file
 * `{"accounts": {"<id>": AccountDocument}, "tokens": {"<tokenId>": TokenRecord},
 * "oauthApps": {"<name>": OAuthApp}}` (`oauthApps` optional).
 * Reads are cached by the file's identity (inode, mtime, size), so edits made by
 * the admin CLI reach a running server without a restart. Writes replace the
 * file atomically with mode 0600, each under a lock file (`<file>.lock`, see
 * FileLock), so concurrent writers (several CLI processes) never lose one
 * another's change.
 */
export class FileCredentialStore implements AdminCredentialStore {
  readonly path: string;
  readonly #lock: FileLockOptions;
  #cache: CachedRead | undefined;

  constructor(options: { path: string; lock?: FileLockOptions }) {
    this.path = options.path;
    this.#lock = options.lock ?? {};
  }

  /** @throws ConfigurationError when the file or the account document is malformed. */
  async getAccount(id: string): Promise<Account | undefined> {
    const raw = own((await this.#read()).accounts, id);
    return raw === undefined ? undefined : parseStoredAccount(id, raw);
  }

  async listAccountIds(): Promise<string[]> {
    return Object.keys((await this.#read()).accounts).sort();
  }

  invalidateAccount(_id: string): void {
    this.#cache = undefined;
  }

  /** @throws ConfigurationError when the file or the app is malformed. */
  async getOAuthApp(name: string): Promise<OAuthApp | undefined> {
    const raw = own((await this.#read()).oauthApps, name);
    return raw === undefined ? undefined : parseStoredOAuthApp(name, raw);
  }

  async verifyToken(token: string): Promise<TokenGrant | undefined> {
    const { tokens } = await this.#read();
    return verifyTokenWith(token, async (tokenId) => {
      const raw = own(tokens, tokenId);
      return raw === undefined ? undefined : parseStoredToken(tokenId, raw);
    });
  }

  /** @throws InvalidRequestError for a bad id; ConfigurationError for a bad document. */
  async putAccount(id: string, document: AccountDocument): Promise<void> {
    if (!ACCOUNT_ID_PATTERN.test(id)) throw new InvalidRequestError(`invalid account id "${id}"`);
    const { id: _ignored, ...validated } = parseStoredAccount(id, document);
    await this.#update((contents) => {
      contents.accounts[id] = validated;
      return true;
    });
  }

  async removeAccount(id: string): Promise<boolean> {
    return this.#update((contents) => {
      if (!Object.hasOwn(contents.accounts, id)) return false;
      delete contents.accounts[id];
      return true;
    });
  }

  /** @throws InvalidRequestError for a bad name; ConfigurationError for a bad app. */
  async putOAuthApp(name: string, app: OAuthApp): Promise<void> {
    if (!OAUTH_APP_NAME_PATTERN.test(name)) throw new InvalidRequestError(`invalid OAuth app name "${name}"`);
    const validated = parseStoredOAuthApp(name, app);
    await this.#update((contents) => {
      contents.oauthApps[name] = validated;
      return true;
    });
  }

  async listOAuthAppNames(): Promise<string[]> {
    return Object.keys((await this.#read()).oauthApps).sort();
  }

  async removeOAuthApp(name: string): Promise<boolean> {
    return this.#update((contents) => {
      if (!Object.hasOwn(contents.oauthApps, name)) return false;
      delete contents.oauthApps[name];
      return true;
    });
  }

  /**
   * Compare-and-set under the file lock, on the file itself (never the
   * cache): a re-consent written meanwhile by the CLI is never overwritten.
   * @throws ConfigurationError when the updated document would not be valid (nothing is written).
   */
  async updateOAuth2Tokens(
    id: string,
    expectedRefreshToken: string,
    next: OAuth2TokenUpdate,
  ): Promise<boolean> {
    return this.#update((contents) => {
      const updated = withRefreshedTokens(own(contents.accounts, id), expectedRefreshToken, next);
      if (updated === undefined) return false;
      parseStoredAccount(id, updated);
      contents.accounts[id] = updated;
      return true;
    });
  }

  async createToken(grant: NewTokenGrant): Promise<{ token: string; record: TokenRecord }> {
    const minted = mintToken(grant);
    await this.#update((contents) => {
      contents.tokens[minted.record.tokenId] = minted.record;
      return true;
    });
    return minted;
  }

  async listTokens(): Promise<TokenRecord[]> {
    const { tokens } = await this.#read();
    return Object.entries(tokens).map(([tokenId, raw]) => parseStoredToken(tokenId, raw));
  }

  async revokeToken(tokenId: string): Promise<boolean> {
    return this.#update((contents) => {
      if (!Object.hasOwn(contents.tokens, tokenId)) return false;
      delete contents.tokens[tokenId];
      return true;
    });
  }

  async #read(): Promise<FileContents> {
    let key: string;
    try {
      const info = await stat(this.path, { bigint: true });
      key = `${info.ino}:${info.mtimeNs}:${info.size}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyContents();
      throw this.#ioError('read', error);
    }
    if (this.#cache?.key === key) return this.#cache.contents;
    const contents = await this.#readFresh();
    this.#cache = { key, contents };
    return contents;
  }

  async #readFresh(): Promise<FileContents> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyContents();
      throw this.#ioError('read', error);
    }
    const parsed = parseStoredJson(text, `credential file "${this.path}"`);
    const accounts = isPlainObject(parsed) ? (parsed.accounts ?? {}) : undefined;
    const tokens = isPlainObject(parsed) ? (parsed.tokens ?? {}) : undefined;
    const oauthApps = isPlainObject(parsed) ? (parsed.oauthApps ?? {}) : undefined;
    if (!isPlainObject(accounts) || !isPlainObject(tokens) || !isPlainObject(oauthApps)) {
      throw new ConfigurationError(
        `credential file "${this.path}" must be an object with "accounts" and "tokens" objects (and optionally "oauthApps")`,
      );
    }
    return { accounts, tokens, oauthApps };
  }

  /**
   * Lock, read the file itself (never the cache, so a write never resurrects
   * stale data), modify, replace atomically, unlock: a writer in another
   * process waits, then reads what this one wrote. `change` returns whether
   * it changed anything; a no-op leaves the file (or its absence) untouched.
   */
  async #update(change: (contents: FileContents) => boolean): Promise<boolean> {
    let lock: FileLock;
    try {
      lock = new FileLock(this.path, this.#lock);
      await lock.acquire();
    } catch (error) {
      throw this.#ioError('lock', error);
    }
    try {
      const contents = await this.#readFresh();
      if (!change(contents)) return false;
      const { oauthApps, ...rest } = contents;
      const written = Object.keys(oauthApps).length === 0 ? rest : contents;
      await this.#writeAtomically(`${JSON.stringify(written, null, 2)}\n`, lock);
      this.#cache = undefined;
      return true;
    } finally {
      await lock.release().catch(() => undefined);
    }
  }

  /** Temp file in the same directory then rename(2): readers see the old file or the new one, never half. */
  async #writeAtomically(text: string, lock: FileLock): Promise<void> {
    const temp = `${this.path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      // Held too long and recovered by another writer as stale: its change must not be overwritten.
      if (!(await lock.stillHeld())) throw Object.assign(new Error('lock lost'), { code: 'ELOCKLOST' });
      await rename(temp, this.path);
    } catch (error) {
      await rm(temp, { force: true });
      throw this.#ioError('write', error);
    }
  }

  #ioError(verb: 'read' | 'write' | 'lock', cause: unknown): MailgateError {
    const code = (cause as NodeJS.ErrnoException).code ?? (cause as Error).name ?? 'unknown error';
    return new MailgateError('internal_error', `could not ${verb} credential file "${this.path}" (${code})`, {
      cause,
    });
  }
}
