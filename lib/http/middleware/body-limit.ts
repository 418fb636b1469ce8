import type { Context, MiddlewareHandler } from 'hono';
import { PayloadTooLargeError } from '../../mail/errors.js';
import type { AppEnv } from '../app-env.js';

/** Bodies of the JSON write routes; a bulk call with 10,000 ids of 200 characters needs about 2.1 MB. */
export const JSON_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

function tooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`The request body is larger than ${limit} bytes.`);
}

/**
 * Reads the whole body, counting bytes as they arrive and giving up at the
 * first byte past `limit`, so a client cannot make the gateway buffer more
 * than that whatever Content-Length claims (or omits, with chunked encoding).
 * @throws PayloadTooLargeError
 */
async function readAtMost(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const whole = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return whole;
}

/**
 * Caps a route's request body at `limit(c)` bytes with 413
 * `payload_too_large`: up front by Content-Length, then while reading. The
 * body is then buffered on the request, for the validators and the handler.
 * @throws PayloadTooLargeError
 */
export function limitBody(limit: number | ((c: Context<AppEnv>) => number)): MiddlewareHandler<AppEnv> {
  if (typeof limit === 'number' && (!Number.isInteger(limit) || limit <= 0)) {
    throw new RangeError(`limitBody: limit must be a positive integer, got ${limit}`);
  }
  return async (c, next) => {
    const max = typeof limit === 'number' ? limit : limit(c);
    const declared = c.req.header('Content-Length');
    if (declared !== undefined && /^[0-9]+$/.test(declared.trim()) && Number(declared) > max) {
      throw tooLarge(max);
    }
    const body = c.req.raw.body;
    if (body) {
      const bytes = await readAtMost(body, max);
      c.req.raw = new Request(c.req.raw, { body: bytes });
    }
    await next();
  };
}
