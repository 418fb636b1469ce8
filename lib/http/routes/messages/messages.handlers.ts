import type { RouteHandler } from '@hono/zod-openapi';
import { requireWriteScope, resolveAccount } from '../../account-access.js';
import type { AppEnv } from '../../app-env.js';
import { requireSort } from '../../capability-guard.js';
import { isTrue } from '../../input-limits.js';
import { buildListQuery, headerFilters } from '../../list-query.js';
import { messageScope, requestMailbox } from '../../mailbox-ref.js';
import { withStore } from '../../store-session.js';
import { downloadBase, withLinks } from './message-links.js';
import type { getMessage, getMessageInMailbox, listMessages } from './messages.routes.js';

export const listMessagesHandler: RouteHandler<typeof listMessages, AppEnv> = async (c) => {
  const params = c.req.valid('param');
  const query = buildListQuery(c.req.valid('query'), headerFilters(c.req.queries()));
  const account = await resolveAccount(c, params.account);
  requireSort(c, account, query.sort);
  const mailbox = requestMailbox(c, params.mailbox);
  const page = await withStore(c, account, (store) => store.listMessages(mailbox, query));
  return c.json(page, 200);
};

export const getMessageHandler = (async (c) => {
  const params = c.req.valid('param');
  const query = c.req.valid('query');
  const markSeen = isTrue(query.markSeen);
  // A read that writes: refused for read tokens before anything is looked up.
  if (markSeen) requireWriteScope(c);
  const account = await resolveAccount(c, params.account);
  const scope = messageScope(c, params);
  const message = await withStore(c, account, (store) =>
    store.getMessage(scope, params.id, {
      body: query.body ?? 'both',
      maxBodyBytes: query.maxBodyBytes ?? null,
      markSeen,
    }),
  );
  return c.json(withLinks(message, downloadBase(c), account.id), 200);
}) satisfies RouteHandler<typeof getMessage | typeof getMessageInMailbox, AppEnv>;
