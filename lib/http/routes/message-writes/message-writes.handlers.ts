import type { RouteHandler } from '@hono/zod-openapi';
import { resolveAccount } from '../../account-access.js';
import type { AppEnv } from '../../app-env.js';
import { requireCapability } from '../../capability-guard.js';
import { toFlagChange } from '../../flags.js';
import { isTrue } from '../../input-limits.js';
import { messageScope, parseMailboxTarget } from '../../mailbox-ref.js';
import { withStore } from '../../store-session.js';
import type {
  copyMessage,
  copyMessageInMailbox,
  deleteMessage,
  deleteMessageInMailbox,
  moveMessage,
  moveMessageInMailbox,
  updateMessage,
  updateMessageInMailbox,
} from './message-writes.routes.js';

export const updateMessageHandler = (async (c) => {
  const params = c.req.valid('param');
  const change = toFlagChange(c.req.valid('json').flags);
  const account = await resolveAccount(c, params.account);
  requireCapability(c, account, 'flags');
  const scope = messageScope(c, params);
  const result = await withStore(c, account, (store) => store.updateFlags(scope, params.id, change));
  return c.json(result, 200);
}) satisfies RouteHandler<typeof updateMessage | typeof updateMessageInMailbox, AppEnv>;

function transferHandler(action: 'move' | 'copy') {
  return (async (c) => {
    const params = c.req.valid('param');
    const { to } = c.req.valid('json');
    const account = await resolveAccount(c, params.account);
    requireCapability(c, account, action);
    const scope = messageScope(c, params);
    const destination = parseMailboxTarget(to);
    const result = await withStore(c, account, (store) =>
      action === 'move'
        ? store.moveMessage(scope, params.id, destination)
        : store.copyMessage(scope, params.id, destination),
    );
    return c.json(result, 200);
  }) satisfies RouteHandler<
    typeof moveMessage | typeof copyMessage | typeof moveMessageInMailbox | typeof copyMessageInMailbox,
    AppEnv
  >;
}

export const moveMessageHandler = transferHandler('move');
export const copyMessageHandler = transferHandler('copy');

export const deleteMessageHandler = (async (c) => {
  const params = c.req.valid('param');
  const permanent = isTrue(c.req.valid('query').permanent);
  const account = await resolveAccount(c, params.account);
  const scope = messageScope(c, params);
  const outcome = await withStore(c, account, (store) =>
    store.deleteMessage(scope, params.id, { permanent }),
  );
  if (outcome.kind === 'expunged') return c.body(null, 204);
  return c.json({ id: outcome.id, mailbox: outcome.mailbox }, 200);
}) satisfies RouteHandler<typeof deleteMessage | typeof deleteMessageInMailbox, AppEnv>;
