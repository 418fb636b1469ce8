import type { Context } from 'hono';
import type { Message } from '../../../mail/types.js';
import type { AppEnv } from '../../app-env.js';
import { withoutTrailingSlashes } from '../../url-text.js';

/**
 * This gateway's origin for a link in the answer: the request's own origin
 * when it is one of the known public origins (or nothing is known, where the
 * platform sets it), else the first known one. A client's Host header alone
 * never decides where links point.
 */
export function publicOrigin(c: Context<AppEnv>): string {
  const { config, publicOrigins } = c.get('deps');
  const requestOrigin = new URL(c.req.url).origin;
  const known = config.MAILGATE_PUBLIC_ORIGINS ?? publicOrigins?.();
  if (known === undefined) return requestOrigin;
  return known.includes(requestOrigin) ? requestOrigin : (known[0] ?? requestOrigin);
}

/**
 * Where downloads are served: the configured base (a streaming endpoint
 * when deployed) or else this gateway's public origin.
 */
export function downloadBase(c: Context<AppEnv>): string {
  const configured = c.get('deps').config.MAILGATE_DOWNLOAD_BASE_URL;
  return withoutTrailingSlashes(configured ?? publicOrigin(c));
}

/** The canonical, account-level URL of a message: its id names its mailbox. */
export function messageUrl(base: string, accountId: string, messageId: string): string {
  return `${base}/v1/accounts/${encodeURIComponent(accountId)}/messages/${encodeURIComponent(messageId)}`;
}

/** The message as JSON, with absolute links to its raw source and each attachment. */
export function withLinks(message: Message, base: string, accountId: string) {
  const url = messageUrl(base, accountId, message.id);
  return {
    ...message,
    structureTruncated: message.structureTruncated === true,
    attachments: message.attachments.map((attachment) => ({
      ...attachment,
      downloadUrl: `${url}/attachments/${encodeURIComponent(attachment.id)}`,
    })),
    rawUrl: `${url}/raw`,
  };
}
