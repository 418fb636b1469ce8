import type { RouteHandler } from '@hono/zod-openapi';
import { resolveAccount } from '../../account-access.js';
import type { AppEnv } from '../../app-env.js';
import { requireCapability } from '../../capability-guard.js';
import { toFlagChange } from '../../flags.js';
import { isTrue } from '../../input-limits.js';
import { parseMailboxTarget, requestMailbox } from '../../mailbox-ref.js';
import { withStore } from '../../store-session.js';
import type { copyMessage, deleteMessage, moveMessage, updateMessage } from './message-writes.routes.js';

export const updateMessageHandler: RouteHandler<typeof updateMessage, AppEnv> = async (c) => {
  const params = c.req.valid('param');
  const change = toFlagChange(c.req.valid('json').flags);
  const account = await resolveAccount(c, params.account);
  requireCapability(c, account, 'flags');
  const mailbox = requestMailbox(c, params.mailbox);
  const result = await withStore(c, account, (store) => store.updateFlags(mailbox, params.id, change));
  return c.json(result, 200);
};

function transferHandler(action: 'move' | 'copy') {
  return (async (c) => {
    const params = c.req.valid('param');
    const { to } = c.req.valid('json');
    const account = await resolveAccount(c, params.account);
    requireCapability(c, account, action);
    const mailbox = requestMailbox(c, params.mailbox);
    const destination = parseMailboxTarget(to);
    const result = await withStore(c, account, (store) =>
      action === 'move'
        ? store.moveMessage(mailbox, params.id, destination)
        : store.copyMessage(mailbox, params.id, destination),
    );
    return c.json(result, 200);
  }) satisfies RouteHandler<typeof moveMessage | typeof copyMessage, AppEnv>;
}

export const moveMessageHandler: RouteHandler<typeof moveMessage, AppEnv> = transferHandler('move');
export const copyMessageHandler: RouteHandler<typeof copyMessage, AppEnv> = transferHandler('copy');

export const deleteMessageHandler: RouteHandler<typeof deleteMessage, AppEnv> = async (c) => {
  const params = c.req.valid('param');
  const permanent = isTrue(c.req.valid('query').permanent);
  const account = await resolveAccount(c, params.account);
  const mailbox = requestMailbox(c, params.mailbox);
  const outcome = await withStore(c, account, (store) =>
    store.deleteMessage(mailbox, params.id, { permanent }),
  );
  if (outcome.kind === 'expunged') return c.body(null, 204);
  return c.json({ id: outcome.id, mailbox: outcome.mailbox }, 200);
};
