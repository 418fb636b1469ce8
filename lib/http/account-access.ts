import type { Context } from 'hono';
import type { Account } from '../credentials/account.js';
import { ACCOUNT_ID_PATTERN } from '../credentials/account.js';
import type { TokenGrant } from '../credentials/store.js';
import { AccountNotFoundError, ForbiddenError } from '../mail/errors.js';
import type { AppEnv } from './app-env.js';

export function grantIncludes(grant: TokenGrant, accountId: string): boolean {
  return grant.accounts === '*' || grant.accounts.includes(accountId);
}

/** Why an admin token gets 403 on a mail route. */
export const ADMIN_TOKEN_NO_MAIL =
  'An admin token manages accounts and tokens only; mail needs a read or write token.';

/**
 * For every route that reaches an account's mail (through `resolveAccount`).
 * @throws ForbiddenError for an admin token: `admin` does not imply `read` or `write`.
 */
export function requireMailScope(c: Context<AppEnv>): void {
  if (c.get('grant').scope === 'admin') throw new ForbiddenError(ADMIN_TOKEN_NO_MAIL);
}

/**
 * Loads an account the token grants. An account outside the grant fails
 * before any lookup, with the very error a missing account gets, so a token
 * cannot learn whether another tenant's account exists. Every mail route
 * comes through here, so an admin token is refused here (403) unless the
 * caller says the route reads no mail (`mail: false`: the account without
 * `probe`, which is administration).
 * @throws ForbiddenError (an admin token on a mail route), AccountNotFoundError,
 *   ConfigurationError (malformed stored document)
 */
export async function resolveAccount(
  c: Context<AppEnv>,
  accountId: string,
  options: { mail?: boolean } = {},
): Promise<Account> {
  if (options.mail !== false) requireMailScope(c);
  const grant = c.get('grant');
  if (!ACCOUNT_ID_PATTERN.test(accountId) || !grantIncludes(grant, accountId)) {
    throw new AccountNotFoundError();
  }
  const account = await c.get('deps').credentials.getAccount(accountId);
  if (!account) throw new AccountNotFoundError();
  c.set('accountId', account.id);
  return account;
}

/** Ids of the stored accounts this token grants, in a stable order. */
export async function grantedAccountIds(c: Context<AppEnv>): Promise<string[]> {
  const grant = c.get('grant');
  const stored = await c.get('deps').credentials.listAccountIds();
  return stored.filter((id) => grantIncludes(grant, id)).sort();
}

/**
 * For reads with a side effect (`markSeen=true`).
 * @throws ForbiddenError for a read-only token.
 */
export function requireWriteScope(c: Context<AppEnv>): void {
  if (c.get('grant').scope !== 'write') {
    throw new ForbiddenError('This request changes state and needs a write token.');
  }
}
