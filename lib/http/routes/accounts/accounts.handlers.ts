import type { RouteHandler } from '@hono/zod-openapi';
import type { Account } from '../../../credentials/account.js';
import { ConfigurationError } from '../../../mail/errors.js';
import { grantedAccountIds, resolveAccount } from '../../account-access.js';
import type { AppEnv } from '../../app-env.js';
import { isTrue } from '../../input-limits.js';
import { withStore } from '../../store-session.js';
import type { getAccount, listAccounts } from './accounts.routes.js';

export const listAccountsHandler: RouteHandler<typeof listAccounts, AppEnv> = async (c) => {
  const { credentials, stores } = c.get('deps');
  const accounts = [];
  for (const id of await grantedAccountIds(c)) {
    let account: Account | undefined;
    try {
      account = await credentials.getAccount(id);
    } catch (error) {
      // One malformed document is for the operator to fix; it must not hide every other account.
      if (!(error instanceof ConfigurationError)) throw error;
      c.get('logger').error('stored account skipped: its document is malformed', { account: id, error });
      continue;
    }
    // Listed a moment ago and gone now: it was removed concurrently; leave it out.
    if (!account) continue;
    accounts.push({ id: account.id, protocol: account.protocol, capabilities: stores.capabilities(account) });
  }
  return c.json(accounts, 200);
};

export const getAccountHandler: RouteHandler<typeof getAccount, AppEnv> = async (c) => {
  const { account: accountId } = c.req.valid('param');
  const { probe } = c.req.valid('query');
  // Without probe this is administration (an admin token may ask); a probe logs in to the mail server.
  const account = await resolveAccount(c, accountId, { mail: isTrue(probe) });
  const summary = { id: account.id, protocol: account.protocol };
  if (!isTrue(probe)) {
    return c.json({ ...summary, capabilities: c.get('deps').stores.capabilities(account) }, 200);
  }
  const result = await withStore(c, account, (store) => store.probe());
  return c.json({ ...summary, capabilities: result.capabilities, server: result.server }, 200);
};
