import type { RouteHandler } from '@hono/zod-openapi';
import type { BulkAction, BulkTarget } from '../../../mail/writes.js';
import { resolveAccount } from '../../account-access.js';
import type { AppEnv } from '../../app-env.js';
import { type Capability, requireCapability } from '../../capability-guard.js';
import { toFlagChange } from '../../flags.js';
import { parseMailboxTarget, requestMailbox } from '../../mailbox-ref.js';
import { type BulkBodyInput, type BulkFilterInput, toMessageFilter } from '../../schemas/bulk.schema.js';
import { withStore } from '../../store-session.js';
import type { bulkMessages } from './bulk.routes.js';

/** The validated body as the port's action; the schema guarantees the fields each action needs. */
function toAction(body: BulkBodyInput): BulkAction {
  switch (body.action) {
    case 'flag':
      return { action: 'flag', flags: toFlagChange(body.flags ?? {}) };
    case 'move':
    case 'copy':
      return { action: body.action, to: parseMailboxTarget(body.to ?? '') };
    default:
      return { action: 'delete', permanent: body.permanent === true };
  }
}

/** Repeated ids name one message once: the result counts messages, not mentions. */
function toTarget(ids: string[] | undefined, filter: BulkFilterInput | undefined): BulkTarget {
  if (ids !== undefined) return { ids: [...new Set(ids)] };
  return { filter: toMessageFilter(filter ?? {}) };
}

const CAPABILITY_FOR: Record<BulkAction['action'], Capability | undefined> = {
  flag: 'flags',
  move: 'move',
  copy: 'copy',
  delete: undefined,
};

export const bulkMessagesHandler: RouteHandler<typeof bulkMessages, AppEnv> = async (c) => {
  const params = c.req.valid('param');
  const body = c.req.valid('json');
  const account = await resolveAccount(c, params.account);
  const extra = CAPABILITY_FOR[body.action];
  requireCapability(c, account, 'bulk', ...(extra ? [extra] : []));
  const mailbox = requestMailbox(c, params.mailbox);
  const action = toAction(body);
  const target = toTarget(body.ids, body.filter);
  const result = await withStore(c, account, (store) => store.bulk(mailbox, target, action));
  return c.json(result, 200);
};
