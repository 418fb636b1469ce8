import type { RouteHandler } from '@hono/zod-openapi';
import { resolveAccount } from '../../account-access.js';
import type { AppEnv } from '../../app-env.js';
import { requireCapability } from '../../capability-guard.js';
import { requestMailbox } from '../../mailbox-ref.js';
import { DEFAULT_MAX_CHANGES, MAX_WAIT_SECONDS } from '../../schemas/sync.schema.js';
import { withStore } from '../../store-session.js';
import type { getChanges, waitForChange } from './sync.routes.js';

/**
 * Time a wait may take beyond its own timeout: connecting, logging in,
 * selecting the mailbox before IDLE, and ending IDLE with DONE afterwards.
 */
export const WAIT_MARGIN_MS = 5_000;

/**
 * The wait actually granted: what the client asked for, shortened when the
 * deployment's hard ceiling would not leave room for the margin. A long poll
 * that answers `changed: false` early is still correct; one cut off by the
 * platform is not.
 */
export function waitSeconds(requested: number, ceilingMs: number | undefined): number {
  if (ceilingMs === undefined) return requested;
  return Math.max(1, Math.min(requested, Math.floor((ceilingMs - WAIT_MARGIN_MS) / 1000)));
}

export const getChangesHandler: RouteHandler<typeof getChanges, AppEnv> = async (c) => {
  const params = c.req.valid('param');
  const query = c.req.valid('query');
  const account = await resolveAccount(c, params.account);
  requireCapability(c, account, 'changes');
  const mailbox = requestMailbox(c, params.mailbox);
  const changes = await withStore(c, account, (store) =>
    store.changes(mailbox, query.since, { maxChanges: query.maxChanges ?? DEFAULT_MAX_CHANGES }),
  );
  return c.json(changes, 200);
};

export const waitForChangeHandler: RouteHandler<typeof waitForChange, AppEnv> = async (c) => {
  const params = c.req.valid('param');
  const query = c.req.valid('query');
  const timeout = waitSeconds(
    query.timeout ?? MAX_WAIT_SECONDS,
    c.get('deps').config.MAILGATE_MAX_REQUEST_MS,
  );
  const account = await resolveAccount(c, params.account);
  requireCapability(c, account, 'wait');
  const mailbox = requestMailbox(c, params.mailbox);
  // The default deadline is about as long as the longest wait: without this it would end every long poll as a 504.
  c.get('deadline').extendTo(timeout * 1000 + WAIT_MARGIN_MS);
  const result = await withStore(c, account, (store) => store.wait(mailbox, query.since, timeout));
  return c.json(result, 200);
};
