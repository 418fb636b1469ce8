import type { Context } from 'hono';
import type { Logger } from '../mail/logger.js';
import type { MailStore } from '../mail/store.js';
import type { Download } from '../mail/types.js';
import type { AppEnv } from './app-env.js';
import { oversizeDownloadResponse } from './buffered-limit.js';
import { contentDisposition, safeContentType } from './content-disposition.js';
import { IMMUTABLE_CACHE_CONTROL, noneMatchFails } from './etag.js';
import { exactLength } from './exact-length.js';
import { openStore } from './store-session.js';

/**
 * Adapts a store's body to a web stream that closes the store exactly once,
 * whether the body ends, fails, or the client cancels. Pulls only on demand,
 * so memory holds one chunk regardless of the message size.
 */
export function streamClosingStore(
  body: AsyncIterable<Uint8Array>,
  close: () => Promise<void>,
  logger: Logger,
): ReadableStream<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { value, done } = await iterator.next();
          if (done) {
            await close();
            controller.close();
          } else {
            controller.enqueue(value);
          }
        } catch (error) {
          // Headers are gone already: erroring the stream makes the server destroy the connection,
          // so the client sees an aborted body, never a complete-looking one.
          logger.warn('download failed mid-stream', { error });
          await close();
          controller.error(error);
        }
      },
      async cancel() {
        // Close first: a pending read on the socket only settles once the store is closed.
        await close();
        Promise.resolve(iterator.return?.()).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * The answer to a conditional download whose If-None-Match holds `etag` (or
 * `*`): 304 with the validators a 200 would carry, and no store opened,
 * once `check` (what can be told of the id without the server) passed.
 * Null when the request is not answered that way.
 * @throws whatever `check` throws
 */
export function notModifiedDownload(c: Context<AppEnv>, etag: string, check: () => void): Response | null {
  if (!noneMatchFails(c.req.header('If-None-Match'), etag)) return null;
  check();
  return c.body(null, 304, { ETag: etag, 'Cache-Control': IMMUTABLE_CACHE_CONTROL });
}

/**
 * Opens a store, asks it for a download and answers with the bytes streamed,
 * tagged `etag` (strong) and cacheable for a year: a message id never names
 * other bytes. The request deadline covers `open` (up to the headers) but
 * not the transfer.
 * @throws whatever domain error `open` throws; the store is closed first.
 */
export async function respondWithDownload(
  c: Context<AppEnv>,
  account: Parameters<typeof openStore>[1],
  open: (store: MailStore) => Promise<Download>,
  etag: string,
): Promise<Response> {
  const { store, close } = openStore(c, account);
  let download: Download;
  try {
    download = await open(store);
  } catch (error) {
    await close();
    throw error;
  }
  // Before any header is set: on a buffering runtime a large download goes elsewhere.
  let instead: Response | undefined;
  try {
    instead = oversizeDownloadResponse(c, download.size);
  } catch (error) {
    await discard(download, close);
    throw error;
  }
  if (instead !== undefined) {
    await discard(download, close);
    return instead;
  }
  const headers: Record<string, string> = {
    'Content-Type': safeContentType(download.contentType),
    'Content-Disposition': contentDisposition(download.disposition, download.filename),
    // The bytes come from strangers: never let a browser sniff or run them under our origin.
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "sandbox; default-src 'none'",
    'Cache-Control': IMMUTABLE_CACHE_CONTROL,
    ETag: etag,
  };
  // A declared length is enforced, not trusted: the body is cut off and the response aborted when it differs.
  let body = download.body;
  if (download.size !== null) {
    headers['Content-Length'] = String(download.size);
    body = exactLength(download.body, download.size);
  }

  // Past the deadline, or a HEAD request whose body nobody will read: nothing must keep the store open.
  if (c.get('signal').aborted || c.req.method === 'HEAD') {
    await close();
    Promise.resolve(download.body[Symbol.asyncIterator]().return?.()).catch(() => {});
    return c.body(null, 200, headers);
  }
  return c.body(streamClosingStore(body, close, c.get('logger')), 200, headers);
}

/** Closes the store for a download whose body will not be read. */
async function discard(download: Download, close: () => Promise<void>): Promise<void> {
  await close();
  Promise.resolve(download.body[Symbol.asyncIterator]().return?.()).catch(() => {});
}
