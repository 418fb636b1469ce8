import type { Config } from '../config/env.js';
import { ACCOUNT_ID_PATTERN, type Account } from '../credentials/account.js';
import type { CredentialStore, TokenGrant } from '../credentials/store.js';
import { explainsDeadline } from '../http/middleware/deadline.js';
import {
  AccountNotFoundError,
  ForbiddenError,
  isMailgateError,
  UnauthorizedError,
  UnsupportedOperationError,
  UpstreamTimeoutError,
} from '../mail/errors.js';
import type { Logger } from '../mail/logger.js';
import type { MailStore, MailStoreFactory } from '../mail/store.js';
import type { StoreCapabilities } from '../mail/types.js';

/** What the MCP server needs from the process: the same parts the HTTP app gets (AppDeps). */
export interface McpDeps {
  credentials: CredentialStore;
  stores: MailStoreFactory;
  config: Config;
  logger: Logger;
}

/** Tokens are random strings well under this; anything longer is not worth a lookup (as lib/http's bearerAuth). */
const MAX_TOKEN_LENGTH = 512;

/**
 * How long after the timeout a call may still fail with an error that
 * explains it (lib/http/middleware/deadline.ts waits as long, for the same
 * reason): those are raised in the abort listener itself, within a few
 * promise turns; this only bounds a call that never settles.
 */
const EXPLAIN_GRACE_MS = 50;

/**
 * The grant of a bearer token, by the credential store the HTTP API uses.
 * @throws UnauthorizedError for a missing, overlong or unknown token;
 *   ForbiddenError for an admin token (it manages accounts and tokens, it reads no mail).
 */
export async function authenticate(deps: McpDeps, token: string | undefined): Promise<TokenGrant> {
  if (token === undefined || token === '') throw new UnauthorizedError();
  const grant = token.length <= MAX_TOKEN_LENGTH ? await deps.credentials.verifyToken(token) : undefined;
  if (!grant) throw new UnauthorizedError('The bearer token is not valid.');
  if (grant.scope === 'admin') {
    throw new ForbiddenError(
      'An admin token manages accounts and tokens only; mail needs a read or write token.',
    );
  }
  return grant;
}

export function grantIncludes(grant: TokenGrant, accountId: string): boolean {
  return grant.accounts === '*' || grant.accounts.includes(accountId);
}

type Capability = Exclude<keyof StoreCapabilities, 'filters' | 'sort'>;

/**
 * One MCP connection's view of the gateway: its token's grant (looked up
 * again before every tool call, so a revoked token stops working at once on
 * a long-lived stdio connection) and the same access rules as lib/http's
 * account-access.ts.
 */
export class McpSession {
  constructor(
    readonly deps: McpDeps,
    /** The grant the session started with: it decides which tools are listed. */
    readonly grant: TokenGrant,
    /** The grant now (the token verified again), or an error when it was revoked. */
    private readonly currentGrant: () => Promise<TokenGrant>,
  ) {}

  get canWrite(): boolean {
    return this.grant.scope === 'write';
  }

  /**
   * The account a tool names, when the token grants it: an account outside
   * the grant fails with the very error a missing one gets.
   * @throws UnauthorizedError (token revoked), AccountNotFoundError, ConfigurationError
   */
  async account(accountId: string): Promise<Account> {
    const grant = await this.currentGrant();
    if (!ACCOUNT_ID_PATTERN.test(accountId) || !grantIncludes(grant, accountId)) {
      throw new AccountNotFoundError();
    }
    const account = await this.deps.credentials.getAccount(accountId);
    if (!account) throw new AccountNotFoundError();
    return account;
  }

  /** Ids of the stored accounts the token grants, sorted. */
  async accountIds(): Promise<string[]> {
    const grant = await this.currentGrant();
    const stored = await this.deps.credentials.listAccountIds();
    return stored.filter((id) => grantIncludes(grant, id)).sort();
  }

  /** @throws ForbiddenError unless the token (as it is now) may write. */
  async requireWrite(): Promise<void> {
    if ((await this.currentGrant()).scope !== 'write') {
      throw new ForbiddenError('This tool changes mail and needs a write token.');
    }
  }

  /** As lib/http's requireCapability: refused from the static capabilities, before connecting. */
  requireCapability(account: Account, capability: Capability): void {
    if (this.deps.stores.capabilities(account)[capability]) return;
    const protocol = account.protocol === 'pop3' ? 'POP3' : 'This IMAP';
    throw new UnsupportedOperationError(`${protocol} account cannot do this (${capability}).`);
  }

  /**
   * Runs `use` against a store of `account` opened for this call alone and
   * closed in every outcome. The call ends at `timeoutMs` (504's
   * `upstream_timeout`) or when the client cancels it (`cancel`), whichever
   * comes first; the store is closed at once then, as lib/http's
   * closedWithRequest does.
   *
   * As lib/http's deadline: at the timeout the call is given a moment
   * (EXPLAIN_GRACE_MS) to fail with an error that says better why it did not
   * finish (`explainsDeadline`: no free connection to the mail server, the
   * OAuth2 provider's refresh not yet answered), which is answered instead
   * of `upstream_timeout`. An `upstream_auth_failed` drops the account's
   * cached secret, as the HTTP API's error handler does, so a rotated
   * password is read on the next call.
   */
  async withStore<T>(
    account: Account,
    options: { timeoutMs: number; cancel?: AbortSignal },
    use: (store: MailStore) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController();
    let timedOut: UpstreamTimeoutError | undefined;
    let grace: ReturnType<typeof setTimeout> | undefined;
    const timer = setTimeout(() => {
      timedOut = new UpstreamTimeoutError();
      controller.abort(timedOut);
    }, options.timeoutMs);
    const onCancel = () => controller.abort(options.cancel?.reason);
    if (options.cancel?.aborted) onCancel();
    else options.cancel?.addEventListener('abort', onCancel, { once: true });
    const logger = this.deps.logger.child({ account: account.id });
    const store = this.deps.stores.open(account, { signal: controller.signal, logger });
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= store
        .close()
        .catch((error: unknown) => logger.warn('closing the mail store failed', { error }));
      return closing;
    };
    const aborted = new Promise<never>((_, reject) => {
      const fail = () => {
        void close();
        const reason: unknown = controller.signal.reason;
        // The explaining error is raised in the store's own abort listener: a few promise turns at most.
        if (reason === timedOut) grace = setTimeout(() => reject(reason), EXPLAIN_GRACE_MS);
        else reject(reason);
      };
      if (controller.signal.aborted) fail();
      else controller.signal.addEventListener('abort', fail, { once: true });
    });
    aborted.catch(() => {});
    try {
      const result = await Promise.race([use(store), aborted]);
      // A late answer is dropped, as lib/http's deadline drops it.
      if (timedOut !== undefined) throw timedOut;
      return result;
    } catch (error) {
      if (timedOut !== undefined && !explainsDeadline(error)) throw timedOut;
      if (isMailgateError(error) && error.code === 'upstream_auth_failed') {
        this.deps.credentials.invalidateAccount(account.id);
      }
      throw error;
    } finally {
      clearTimeout(timer);
      clearTimeout(grace);
      options.cancel?.removeEventListener('abort', onCancel);
      await close();
    }
  }
}
