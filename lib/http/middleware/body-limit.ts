import type { Context, MiddlewareHandler } from 'hono';
import { PayloadTooLargeError, RequestTimeoutError, UpstreamTimeoutError } from '../../mail/errors.js';
import type { AppEnv } from '../app-env.js';

/** Bodies of the JSON write routes; a bulk call with 10,000 ids of 200 characters needs about 2.1 MB. */
export const JSON_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

function tooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`The request body is larger than ${limit} bytes.`);
}

/**
 * Rejects once `signal` aborts: at the deadline with RequestTimeoutError,
 * since what the request still waits on is the client's own body (not the
 * mail server, which has not been asked yet); otherwise with the reason.
 */
function whenAborted(signal: AbortSignal | undefined): { aborted: Promise<never>; stop: () => void } {
  let stop = () => {};
  const aborted = new Promise<never>((_, reject) => {
    if (!signal) return;
    const onAbort = () =>
      reject(
        signal.reason instanceof UpstreamTimeoutError
          ? new RequestTimeoutError(undefined, { cause: signal.reason })
          : signal.reason,
      );
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    stop = () => signal.removeEventListener('abort', onAbort);
  });
  aborted.catch(() => {});
  return { aborted, stop };
}

/**
 * Reads the whole body, counting bytes as they arrive and giving up at the
 * first byte past `limit`, so a client cannot make the gateway buffer more
 * than that whatever Content-Length claims (or omits, with chunked encoding).
 * A client that stops sending is given up on when `signal` aborts.
 * @throws PayloadTooLargeError, RequestTimeoutError
 */
async function readAtMost(
  body: ReadableStream<Uint8Array>,
  limit: number,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  const reader = body.getReader();
  const { aborted, stop } = whenAborted(signal);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) break;
      size += value.byteLength;
      if (size > limit) throw tooLarge(limit);
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  } finally {
    stop();
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
 * @throws PayloadTooLargeError, RequestTimeoutError (the body did not arrive before the deadline)
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
      const bytes = await readAtMost(body, max, c.get('signal'));
      c.req.raw = new Request(c.req.raw, { body: bytes });
    }
    await next();
  };
}
