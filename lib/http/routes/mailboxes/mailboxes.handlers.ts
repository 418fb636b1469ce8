import type { RouteHandler } from '@hono/zod-openapi';
import { resolveAccount } from '../../account-access.js';
import type { AppEnv } from '../../app-env.js';
import { isTrue } from '../../input-limits.js';
import { requestMailbox } from '../../mailbox-ref.js';
import { withStore } from '../../store-session.js';
import type { getMailbox, listMailboxes } from './mailboxes.routes.js';

export const listMailboxesHandler: RouteHandler<typeof listMailboxes, AppEnv> = async (c) => {
  const { account: accountId } = c.req.valid('param');
  const counts = isTrue(c.req.valid('query').counts);
  const account = await resolveAccount(c, accountId);
  const mailboxes = await withStore(c, account, (store) => store.listMailboxes({ counts }));
  return c.json({ mailboxes }, 200);
};

export const getMailboxHandler: RouteHandler<typeof getMailbox, AppEnv> = async (c) => {
  const params = c.req.valid('param');
  const account = await resolveAccount(c, params.account);
  const mailbox = requestMailbox(c, params.mailbox);
  const status = await withStore(c, account, (store) => store.getMailbox(mailbox));
  return c.json(status, 200);
};
