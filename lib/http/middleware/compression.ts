import { promisify } from 'node:util';
import {
  type BrotliOptions,
  brotliCompress,
  brotliCompressSync,
  constants,
  gzip,
  gzipSync,
  type ZlibOptions,
} from 'node:zlib';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { type ContentCoding, negotiateEncoding } from './accept-encoding.js';

/**
 * Levels chosen for CPU, not for the last byte (docs/BENCHMARKS.md,
 * bench/compression.ts): on a 50-message list brotli 5 is within a few
 * percent of quality 11's size at a small fraction of its time, and gzip 6
 * is zlib's default balance.
 */
export const BROTLI_QUALITY = 5;
export const GZIP_LEVEL = 6;

/** Smaller bodies are sent as they are: the coding's framing and the CPU outweigh what it saves. */
export const MIN_COMPRESSED_BYTES = 1024;

/**
 * Bodies up to this size are compressed on the event loop (brotli 5: about
 * 0.8 ms for 32 KiB, but 7-9 ms for 256 KiB, which would hold every other
 * request); larger ones on the thread pool.
 */
const SYNC_MAX_BYTES = 32 * 1024;

/**
 * Larger bodies are sent as they are: a second full copy of an answer this
 * big is not worth the memory. JSON answers are bounded well below it.
 */
const MAX_COMPRESSED_BYTES = 16 * 1024 * 1024;

/** JSON and problem+json (`application/json`, `application/*+json`). */
const COMPRESSIBLE_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

export interface CompressionOptions {
  /**
   * The runtime buffers the answer and sends a coded (binary) body base64
   * encoded (Lambda behind API Gateway or a Function URL): a coded body
   * is then 4/3 its size, and is sent only if that is still smaller.
   */
  base64Body: boolean;
}

const brotliOptions = (size: number): BrotliOptions => ({
  params: {
    [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
    [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    [constants.BROTLI_PARAM_SIZE_HINT]: size,
    // A window no larger than the body: the encoder's memory, and the collector's work after it, follow it.
    [constants.BROTLI_PARAM_LGWIN]: Math.min(
      constants.BROTLI_MAX_WINDOW_BITS,
      Math.max(constants.BROTLI_MIN_WINDOW_BITS, Math.ceil(Math.log2(size + 1))),
    ),
  },
});
const gzipOptions: ZlibOptions = { level: GZIP_LEVEL };
const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** `body` in `coding` at the gateway's levels. */
export async function encodeBody(coding: ContentCoding, body: Uint8Array): Promise<Uint8Array> {
  const sync = body.byteLength <= SYNC_MAX_BYTES;
  if (coding === 'br') {
    const options = brotliOptions(body.byteLength);
    return sync ? brotliCompressSync(body, options) : brotliAsync(body, options);
  }
  return sync ? gzipSync(body, gzipOptions) : gzipAsync(body, gzipOptions);
}

/** Bytes the platform sends for a coded body of `size` bytes. */
export function codedWireBytes(size: number, base64Body: boolean): number {
  return base64Body ? Math.ceil(size / 3) * 4 : size;
}

/**
 * The whole body. Read off its stream rather than with `arrayBuffer()`,
 * which costs about twice the CPU for the same bytes (bench/compression.ts).
 */
async function readBody(response: Response): Promise<Uint8Array> {
  const reader = response.body?.getReader();
  if (reader === undefined) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** Adds `Accept-Encoding` to Vary unless it (or `*`) is there already. */
function varyOnAcceptEncoding(headers: Headers): void {
  const vary = headers.get('Vary');
  if (vary === null) {
    headers.set('Vary', 'Accept-Encoding');
    return;
  }
  const names = vary.split(',').map((name) => name.trim().toLowerCase());
  if (!names.includes('accept-encoding') && !names.includes('*')) {
    headers.set('Vary', `${vary}, Accept-Encoding`);
  }
}

/**
 * An answer whose bytes may be coded: JSON, not already coded, and not a
 * download. Downloads (raw source, attachments) always carry
 * Content-Disposition and are never coded, whatever their type (an
 * attachment may well be `application/json`): they are streamed with an
 * exact Content-Length and a strong ETag, and most are compressed already.
 * `message/rfc822` included: coding it would turn its exact length into
 * chunked transfer and its strong ETag into another representation's, for
 * text that is mostly base64 attachments anyway.
 */
function compressible(response: Response): boolean {
  const type = response.headers.get('Content-Type');
  return (
    type !== null &&
    COMPRESSIBLE_TYPE.test(type) &&
    !response.headers.has('Content-Encoding') &&
    !response.headers.has('Content-Disposition')
  );
}

/**
 * Compresses JSON answers with brotli or gzip as the client's
 * Accept-Encoding allows (see negotiateEncoding), and says so with
 * `Vary: Accept-Encoding` on every JSON answer, coded or not, so a cache
 * never hands a coded body to a client that cannot read it.
 *
 * Left as they are: bodies under MIN_COMPRESSED_BYTES, HEAD, 204 and 304
 * (no body; a 304 of a JSON answer, whose tag is weak, still gets Vary, as
 * its 200 would, RFC 9110 §15.4.5), downloads, and a coded body that would
 * not be smaller on the wire (`base64Body`). The body is buffered JSON
 * already, so it is coded whole and Content-Length set to the coded size.
 * A strong ETag is made weak on a coded answer: the coded bytes are another
 * representation (RFC 9110 §8.8.3); weak comparison, which If-None-Match
 * uses, still matches it.
 */
export function compression(options: CompressionOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const response = c.res;
    if (response.status === 304) {
      if (response.headers.get('ETag')?.startsWith('W/')) varyOnAcceptEncoding(response.headers);
      return;
    }
    if (!compressible(response)) return;
    varyOnAcceptEncoding(response.headers);
    if (response.status === 204 || c.req.method === 'HEAD') return;
    const coding = negotiateEncoding(c.req.header('Accept-Encoding'));
    // Before anything touches the body: the Node adapter sends an untouched answer without copying it.
    if (coding === null) return;
    const declared = Number(response.headers.get('Content-Length') ?? Number.NaN);
    if (declared < MIN_COMPRESSED_BYTES || declared > MAX_COMPRESSED_BYTES) return;

    const body = await readBody(response);
    let coded: Uint8Array | undefined;
    if (body.byteLength >= MIN_COMPRESSED_BYTES && body.byteLength <= MAX_COMPRESSED_BYTES) {
      coded = await encodeBody(coding, body);
      if (codedWireBytes(coded.byteLength, options.base64Body) >= body.byteLength) coded = undefined;
    }
    // The answer's own headers, changed in place: its body is consumed, nothing else reads them.
    const { headers } = response;
    if (coded !== undefined) {
      headers.set('Content-Encoding', coding);
      const etag = headers.get('ETag');
      if (etag?.startsWith('"')) headers.set('ETag', `W/${etag}`);
    }
    headers.set('Content-Length', String((coded ?? body).byteLength));
    // Unset first: hono's setter would copy the old answer's headers (its ETag, its length) onto the new one.
    c.res = undefined;
    c.res = new Response(coded ?? body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  };
}
