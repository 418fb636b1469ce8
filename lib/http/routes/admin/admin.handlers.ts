import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ACCOUNT_ID_PATTERN, type AccountDocument } from '../../../credentials/account.js';
import type { AdminCredentialStore, OAuth2TokenUpdate } from '../../../credentials/store.js';
import { TOKEN_ID_PATTERN } from '../../../credentials/tokens.js';
import {
  AccountNotFoundError,
  ConfigurationError,
  InvalidRequestError,
  TokenNotFoundError,
} from '../../../mail/errors.js';
import { adminStore } from '../../admin-access.js';
import type { AppEnv } from '../../app-env.js';
import { isTrue } from '../../input-limits.js';
import { verifyAccount } from '../../verify-account.js';
import { summariseAccount, summariseToken } from './account-summary.js';
import type { createToken, deleteAccount, listTokens, putAccount, revokeToken } from './admin.routes.js';

/** Whether an account of this id is stored; a malformed stored document still counts. */
async function accountExists(store: AdminCredentialStore, id: string): Promise<boolean> {
  try {
    return (await store.getAccount(id)) !== undefined;
  } catch (error) {
    if (error instanceof ConfigurationError) return true;
    throw error;
  }
}

/**
 * The verifying login refreshed the access token of an account that has a
 * refresh token, and the provider may have rotated the refresh token (then
 * the one in the body no longer works): the document is stored with what
 * the login left.
 */
function withLoginTokens(document: AccountDocument, tokens: OAuth2TokenUpdate | undefined): AccountDocument {
  if (tokens === undefined || document.oauth2 === undefined) return document;
  return { ...document, oauth2: { ...document.oauth2, ...tokens } };
}

export const putAccountHandler: RouteHandler<typeof putAccount, AppEnv> = async (c) => {
  const { account: id } = c.req.valid('param');
  const { verify } = c.req.valid('query');
  const document = c.req.valid('json');
  const store = adminStore(c);
  const existed = await accountExists(store, id);
  const account = { ...document, id };
  // Before anything is stored: any failure leaves the store as it was.
  const verified = isTrue(verify) ? await verifyAccount(c, account) : undefined;
  await store.putAccount(id, verified === undefined ? document : withLoginTokens(document, verified.tokens));
  // A running server drops what it cached of the old document (the same store object locally).
  c.get('deps').credentials.invalidateAccount(id);
  c.get('logger').info('account stored', {
    account: id,
    replaced: existed,
    verified: verified !== undefined,
  });
  return c.json(summariseAccount(account, verified?.probe), existed ? 200 : 201);
};

/**
 * Deletes every webhook of the account, so none outlives it: an id used
 * again for another mailbox must not send its mail to the old receivers.
 * The watching side is told of each (a failure there is logged: the store
 * holds the change). The number deleted.
 */
async function deleteAccountWebhooks(c: Context<AppEnv>, id: string): Promise<number> {
  const webhooks = c.get('deps').webhooks;
  if (webhooks === undefined) return 0;
  let deleted = 0;
  for (const record of await webhooks.repository.list(id)) {
    if (!(await webhooks.repository.delete(id, record.id))) continue;
    deleted += 1;
    try {
      await webhooks.changed?.(record.id, 'deleted');
    } catch (error) {
      c.get('logger').warn('webhook change could not be announced', {
        webhook: record.id,
        change: 'deleted',
        error: error instanceof Error ? error.name : 'unknown',
      });
    }
  }
  return deleted;
}

export const deleteAccountHandler: RouteHandler<typeof deleteAccount, AppEnv> = async (c) => {
  const { account: id } = c.req.valid('param');
  const store = adminStore(c);
  if (!ACCOUNT_ID_PATTERN.test(id) || !(await accountExists(store, id))) throw new AccountNotFoundError();
  // Its webhooks first, so a failure leaves the account to delete again; again after, for a create that raced.
  let webhooks = await deleteAccountWebhooks(c, id);
  if (!(await store.removeAccount(id))) throw new AccountNotFoundError();
  webhooks += await deleteAccountWebhooks(c, id);
  c.get('deps').credentials.invalidateAccount(id);
  // Its tokens (a rotated refresh token among them) are not kept past the account.
  c.get('deps').oauthTokens?.forget(id);
  c.get('logger').info('account removed', { account: id, webhooks });
  return c.body(null, 204);
};

export const createTokenHandler: RouteHandler<typeof createToken, AppEnv> = async (c) => {
  const { accounts, scope, label } = c.req.valid('json');
  const store = adminStore(c);
  const granted = accounts === '*' ? '*' : [...new Set(accounts)];
  if (granted !== '*') {
    // Nearly always a typo; a token for an account added later is minted then.
    const known = new Set(await store.listAccountIds());
    const unknown = granted.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      const named =
        unknown.slice(0, 10).join(', ') + (unknown.length > 10 ? ` and ${unknown.length - 10} more` : '');
      throw new InvalidRequestError(`No such account: ${named}. Store an account before granting it.`);
    }
  }
  const { token, record } = await store.createToken({ accounts: granted, scope, label });
  c.get('logger').info('token created', {
    tokenId: record.tokenId,
    scope,
    by: c.get('grant').tokenId,
  });
  return c.json({ ...summariseToken(record), token }, 201);
};

export const listTokensHandler: RouteHandler<typeof listTokens, AppEnv> = async (c) => {
  const records = await adminStore(c).listTokens();
  const tokens = records
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.tokenId.localeCompare(b.tokenId))
    .map(summariseToken);
  return c.json({ tokens }, 200);
};

export const revokeTokenHandler: RouteHandler<typeof revokeToken, AppEnv> = async (c) => {
  const { tokenId } = c.req.valid('param');
  const store = adminStore(c);
  if (!TOKEN_ID_PATTERN.test(tokenId) || !(await store.revokeToken(tokenId))) throw new TokenNotFoundError();
  c.get('logger').info('token revoked', { tokenId, by: c.get('grant').tokenId });
  return c.body(null, 204);
};
