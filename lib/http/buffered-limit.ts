import type { Context } from 'hono';
import { PayloadTooLargeError } from '../mail/errors.js';
import type { AppEnv } from './app-env.js';
import { withoutTrailingSlashes } from './url-text.js';

/**
 * Where the runtime buffers whole responses (Lambda behind API Gateway: 6 MB,
 * binary bodies base64-encoded), a download over MAILGATE_MAX_BUFFERED_BYTES
 * must never be attempted: the platform would replace it with its own error
 * page after the mail server had already sent the bytes. Instead the client
 * is sent to the streaming endpoint (MAILGATE_DOWNLOAD_BASE_URL), same path
 * and query, with 307 so the method is kept. A download of unknown size is
 * redirected too, since it may be large. Without a streaming endpoint, a
 * download known to be too large is refused with 413.
 *
 * @returns the response to send instead of the download, or undefined to stream it here.
 * @throws PayloadTooLargeError when it is too large and there is nowhere else to send the client.
 */
export function oversizeDownloadResponse(c: Context<AppEnv>, size: number | null): Response | undefined {
  const { MAILGATE_MAX_BUFFERED_BYTES: limit, MAILGATE_DOWNLOAD_BASE_URL: base } = c.get('deps').config;
  if (limit === undefined || (size !== null && size <= limit)) return undefined;
  const here = new URL(c.req.url);
  if (base !== undefined) {
    const target = new URL(`${withoutTrailingSlashes(base)}${here.pathname}${here.search}`);
    // Never redirect to ourselves: that would loop.
    if (target.origin !== here.origin) {
      c.header('Cache-Control', 'no-store');
      return c.redirect(target.toString(), 307);
    }
  }
  if (size === null) return undefined;
  throw new PayloadTooLargeError(
    `This download is ${size} bytes; this endpoint returns at most ${limit} bytes and has no streaming endpoint configured.`,
  );
}
