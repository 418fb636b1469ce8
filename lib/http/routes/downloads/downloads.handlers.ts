import type { RouteHandler } from '@hono/zod-openapi';
import type { Account } from '../../../credentials/account.js';
import { MessageNotFoundError } from '../../../mail/errors.js';
import { decodePop3MessageId, parseImapMessageId } from '../../../mail/ids.js';
import type { MessageScope } from '../../../mail/types.js';
import { resolveAccount } from '../../account-access.js';
import type { AppEnv } from '../../app-env.js';
import { notModifiedDownload, respondWithDownload } from '../../download-response.js';
import { downloadEtag } from '../../etag.js';
import { messageScope } from '../../mailbox-ref.js';
import type { getAttachment, getAttachmentInMailbox, getRaw, getRawInMailbox } from './downloads.routes.js';

// The bodies are bytes, not a JSON schema the router could check: handlers answer plain Responses.

/**
 * What can be told of an id without the server: its form for the account's
 * protocol and, under a mailbox named by path, that it belongs there. A
 * conditional download is answered 304 only past this check.
 * @throws MessageNotFoundError
 */
export function checkIdOffline(account: Account, scope: MessageScope, id: string): void {
  if (account.protocol === 'pop3') {
    decodePop3MessageId(id);
    return;
  }
  const parsed = parseImapMessageId(id);
  if (scope?.kind === 'path' && !parsed.isIn(scope.path)) throw new MessageNotFoundError();
}

export const getRawHandler = (async (c) => {
  const params = c.req.valid('param');
  const account = await resolveAccount(c, params.account);
  const scope = messageScope(c, params);
  const etag = downloadEtag(account, scope, params.id, { kind: 'raw' });
  const unchanged = notModifiedDownload(c, etag, () => checkIdOffline(account, scope, params.id));
  if (unchanged) return unchanged;
  return respondWithDownload(c, account, (store) => store.openRaw(scope, params.id), etag);
}) satisfies RouteHandler<typeof getRaw | typeof getRawInMailbox, AppEnv>;

export const getAttachmentHandler = (async (c) => {
  const params = c.req.valid('param');
  const account = await resolveAccount(c, params.account);
  const scope = messageScope(c, params);
  const { attachmentId } = params;
  const etag = downloadEtag(account, scope, params.id, { kind: 'attachment', attachmentId });
  const unchanged = notModifiedDownload(c, etag, () => checkIdOffline(account, scope, params.id));
  if (unchanged) return unchanged;
  return respondWithDownload(
    c,
    account,
    (store) => store.openAttachment(scope, params.id, attachmentId),
    etag,
  );
}) satisfies RouteHandler<typeof getAttachment | typeof getAttachmentInMailbox, AppEnv>;
