import type { RouteHandler } from '@hono/zod-openapi';
import { requireWriteScope, resolveAccount } from '../../account-access.js';
import type { AppEnv } from '../../app-env.js';
import { isTrue } from '../../input-limits.js';
import { messageScope } from '../../mailbox-ref.js';
import { withStore } from '../../store-session.js';
import { displayMessage, storeBodySelection } from './message-display.js';
import { downloadBase, withLinks } from './message-links.js';
import type { getMessage, getMessageInMailbox } from './messages.routes.js';

export const getMessageHandler = (async (c) => {
  const params = c.req.valid('param');
  const query = c.req.valid('query');
  const markSeen = isTrue(query.markSeen);
  // A read that writes: refused for read tokens before anything is looked up.
  if (markSeen) requireWriteScope(c);
  const account = await resolveAccount(c, params.account);
  const scope = messageScope(c, params);
  const body = query.body ?? 'both';
  const maxBodyBytes = query.maxBodyBytes ?? null;
  const message = await withStore(c, account, (store) =>
    store.getMessage(scope, params.id, { body: storeBodySelection(body), maxBodyBytes, markSeen }),
  );
  const answer = displayMessage(withLinks(message, downloadBase(c), account.id), {
    body,
    html: query.html ?? 'raw',
    images: query.images ?? 'block',
    headers: query.headers ?? 'decoded',
    maxBodyBytes,
  });
  return c.json(answer, 200);
}) satisfies RouteHandler<typeof getMessage | typeof getMessageInMailbox, AppEnv>;
