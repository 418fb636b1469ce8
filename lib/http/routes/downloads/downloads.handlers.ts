import type { RouteHandler } from '@hono/zod-openapi';
import { resolveAccount } from '../../account-access.js';
import type { AppEnv } from '../../app-env.js';
import { respondWithDownload } from '../../download-response.js';
import { messageScope } from '../../mailbox-ref.js';
import type { getAttachment, getAttachmentInMailbox, getRaw, getRawInMailbox } from './downloads.routes.js';

// The bodies are bytes, not a JSON schema the router could check: handlers answer plain Responses.

export const getRawHandler = (async (c) => {
  const params = c.req.valid('param');
  const account = await resolveAccount(c, params.account);
  const scope = messageScope(c, params);
  return respondWithDownload(c, account, (store) => store.openRaw(scope, params.id));
}) satisfies RouteHandler<typeof getRaw | typeof getRawInMailbox, AppEnv>;

export const getAttachmentHandler = (async (c) => {
  const params = c.req.valid('param');
  const account = await resolveAccount(c, params.account);
  const scope = messageScope(c, params);
  return respondWithDownload(c, account, (store) =>
    store.openAttachment(scope, params.id, params.attachmentId),
  );
}) satisfies RouteHandler<typeof getAttachment | typeof getAttachmentInMailbox, AppEnv>;
