import type { RouteHandler } from '@hono/zod-openapi';
import { resolveAccount } from '../../account-access.js';
import type { AppEnv } from '../../app-env.js';
import { requireSort } from '../../capability-guard.js';
import { buildListQuery, headerFilters } from '../../list-query.js';
import { requestMailbox } from '../../mailbox-ref.js';
import { withStore } from '../../store-session.js';
import { selectFields } from './message-display.js';
import type { listMessages } from './messages.routes.js';

export const listMessagesHandler: RouteHandler<typeof listMessages, AppEnv> = async (c) => {
  const params = c.req.valid('param');
  const query = buildListQuery(c.req.valid('query'), headerFilters(c.req.queries()));
  const account = await resolveAccount(c, params.account);
  requireSort(c, account, query.sort);
  const mailbox = requestMailbox(c, params.mailbox);
  const page = await withStore(c, account, (store) => store.listMessages(mailbox, query));
  if (query.fields === undefined) return c.json(page, 200);
  const fields = query.fields;
  // With `fields`, each summary holds only those (the response schema's other keys are left out).
  const messages = page.messages.map((message) => selectFields({ ...message }, fields));
  return c.json({ ...page, messages } as typeof page, 200);
};
