import type { RouteHandler } from '@hono/zod-openapi';
import { resolveAccount } from '../../account-access.js';
import type { AppEnv } from '../../app-env.js';
import { respondWithDownload } from '../../download-response.js';
import { requestMailbox } from '../../mailbox-ref.js';
import type { getAttachment, getRaw } from './downloads.routes.js';

// Typed as plain Responses: the body is bytes, not a JSON schema the router could check.
type StreamHandler<R extends typeof getRaw | typeof getAttachment> = RouteHandler<R, AppEnv>;

export const getRawHandler: StreamHandler<typeof getRaw> = async (c) => {
  const params = c.req.valid('param');
  const account = await resolveAccount(c, params.account);
  const mailbox = requestMailbox(c, params.mailbox);
  return respondWithDownload(c, account, (store) => store.openRaw(mailbox, params.id));
};

export const getAttachmentHandler: StreamHandler<typeof getAttachment> = async (c) => {
  const params = c.req.valid('param');
  const account = await resolveAccount(c, params.account);
  const mailbox = requestMailbox(c, params.mailbox);
  return respondWithDownload(c, account, (store) =>
    store.openAttachment(mailbox, params.id, params.attachmentId),
  );
};
