import type { Context, MiddlewareHandler } from 'hono';
import type { AdminCredentialStore } from '../credentials/store.js';
import { ForbiddenError, UnsupportedOperationError } from '../mail/errors.js';
import type { AppEnv } from './app-env.js';

/**
 * The only paths an admin token reaches (middleware/auth.ts refuses it
 * everywhere else before anything is parsed): `/v1/accounts` (the list),
 * `/v1/accounts/{account}` (read without `probe`, PUT, DELETE),
 * `/v1/tokens` and `/v1/tokens/{tokenId}`. Everything deeper under an
 * account is mail.
 */
const ADMIN_PATH = /^\/v1\/(?:accounts|tokens)(?:\/[^/]+)?$/;

export function adminMayReach(path: string): boolean {
  return ADMIN_PATH.test(path);
}

export const ADMIN_TOKEN_REQUIRED =
  'The account API needs an admin token (mailgate token create --scope admin); read and write tokens are for mail.';

const NO_ADMIN_STORE =
  'This server has no write access to the credential store, so it does not serve the account API. ' +
  'On AWS the account API is served by its own function behind the same HTTP API.';

/**
 * The first middleware of every account API route, before its parameters
 * and body are read: a read or write token gets 403, and a server without
 * the write side of the credential store (the mail API function on AWS)
 * 501 `unsupported_operation`.
 * @throws ForbiddenError, UnsupportedOperationError
 */
export function requireAdmin(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.get('grant').scope !== 'admin') throw new ForbiddenError(ADMIN_TOKEN_REQUIRED);
    adminStore(c);
    await next();
  };
}

/**
 * The write side of the credential store.
 * @throws UnsupportedOperationError when this server has none.
 */
export function adminStore(c: Context<AppEnv>): AdminCredentialStore {
  const store = c.get('deps').admin;
  if (store === undefined) throw new UnsupportedOperationError(NO_ADMIN_STORE);
  return store;
}
