import type { Context } from 'hono';
import type { Message } from '../../../mail/types.js';
import type { AppEnv } from '../../app-env.js';

/**
 * Where downloads are served: the configured base (a streaming endpoint
 * when deployed) or else this request's own origin.
 */
export function downloadBase(c: Context<AppEnv>): string {
  const configured = c.get('deps').config.MAILGATE_DOWNLOAD_BASE_URL;
  return (configured ?? new URL(c.req.url).origin).replace(/\/+$/, '');
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
    attachments: message.attachments.map((attachment) => ({
      ...attachment,
      downloadUrl: `${url}/attachments/${encodeURIComponent(attachment.id)}`,
    })),
    rawUrl: `${url}/raw`,
  };
}
