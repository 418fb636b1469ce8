import type { RouteHandler } from '@hono/zod-openapi';
import { InvalidRequestError } from '../../../mail/errors.js';
import { isInboxRef } from '../../../mail/mailbox-path.js';
import type { MailboxRef } from '../../../mail/types.js';
import { resolveAccount } from '../../account-access.js';
import type { AppEnv } from '../../app-env.js';
import { requireCapability } from '../../capability-guard.js';
import { encodeMailboxSegment, requestMailbox } from '../../mailbox-ref.js';
import { withStore } from '../../store-session.js';
import type { createMailbox, deleteMailbox, renameMailbox } from './mailbox-writes.routes.js';

/**
 * INBOX is refused here as well as by the store: it is the one mailbox every
 * account must keep (RFC 9051 §6.3.5, and renaming it moves its messages
 * rather than the mailbox, §6.3.6), so no server round trip is spent on it.
 * @throws InvalidRequestError
 */
function refuseInbox(ref: MailboxRef, verb: 'renamed' | 'deleted'): void {
  if (isInboxRef(ref)) throw new InvalidRequestError(`INBOX cannot be ${verb}.`);
}

function mailboxLocation(accountId: string, path: string): string {
  return `/v1/accounts/${encodeURIComponent(accountId)}/mailboxes/${encodeMailboxSegment(path)}`;
}

export const createMailboxHandler: RouteHandler<typeof createMailbox, AppEnv> = async (c) => {
  const { account: accountId } = c.req.valid('param');
  const { path } = c.req.valid('json');
  const account = await resolveAccount(c, accountId);
  requireCapability(c, account, 'mailboxes');
  const mailbox = await withStore(c, account, (store) => store.createMailbox(path));
  c.header('Location', mailboxLocation(account.id, mailbox.path));
  return c.json(mailbox, 201);
};

export const renameMailboxHandler: RouteHandler<typeof renameMailbox, AppEnv> = async (c) => {
  const params = c.req.valid('param');
  const { path } = c.req.valid('json');
  const account = await resolveAccount(c, params.account);
  requireCapability(c, account, 'mailboxes');
  const mailbox = requestMailbox(c, params.mailbox);
  refuseInbox(mailbox, 'renamed');
  const renamed = await withStore(c, account, (store) => store.renameMailbox(mailbox, path));
  return c.json(renamed, 200);
};

export const deleteMailboxHandler: RouteHandler<typeof deleteMailbox, AppEnv> = async (c) => {
  const params = c.req.valid('param');
  const account = await resolveAccount(c, params.account);
  requireCapability(c, account, 'mailboxes');
  const mailbox = requestMailbox(c, params.mailbox);
  refuseInbox(mailbox, 'deleted');
  await withStore(c, account, (store) => store.deleteMailbox(mailbox));
  return c.body(null, 204);
};
