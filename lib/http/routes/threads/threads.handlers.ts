import type { RouteHandler } from '@hono/zod-openapi';
import { InvalidRequestError } from '../../../mail/errors.js';
import { resolveAccount } from '../../account-access.js';
import type { AppEnv } from '../../app-env.js';
import { requireCapability } from '../../capability-guard.js';
import { requestMailbox } from '../../mailbox-ref.js';
import { withStore } from '../../store-session.js';
import type { getThread, listThreads } from './threads.routes.js';
import { DEFAULT_THREAD_PAGE } from './threads.schema.js';

const LIST_KEYS = new Set(['cursor', 'limit']);

export const listThreadsHandler: RouteHandler<typeof listThreads, AppEnv> = async (c) => {
  const params = c.req.valid('param');
  const query = c.req.valid('query');
  const unknown = Object.keys(c.req.queries()).find((key) => !LIST_KEYS.has(key));
  if (unknown !== undefined)
    throw new InvalidRequestError(`Unknown query parameter '${unknown.slice(0, 60)}'.`);
  const account = await resolveAccount(c, params.account);
  requireCapability(c, account, 'threads');
  const mailbox = requestMailbox(c, params.mailbox);
  const page = await withStore(c, account, (store) =>
    store.listThreads(mailbox, {
      limit: query.limit ?? DEFAULT_THREAD_PAGE,
      ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
    }),
  );
  return c.json(page, 200);
};

export const getThreadHandler: RouteHandler<typeof getThread, AppEnv> = async (c) => {
  const params = c.req.valid('param');
  const account = await resolveAccount(c, params.account);
  requireCapability(c, account, 'threads');
  const mailbox = requestMailbox(c, params.mailbox);
  const thread = await withStore(c, account, (store) => store.getThread(mailbox, params.threadId));
  return c.json(thread, 200);
};
