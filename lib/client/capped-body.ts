/**
 * Error answers are read whole by openapi-fetch (`response.text()`), and an
 * error answer may come from anything between the caller and the gateway.
 * So no error body is read past this many bytes: the rest is cancelled,
 * never pulled from the network.
 */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Statuses whose Response may not carry a body (the constructor throws). */
const NULL_BODY = new Set([101, 204, 205, 304]);

/** The first `limit` bytes of `body`; the stream is cancelled once that much was read. */
export async function readCapped(
  body: ReadableStream<Uint8Array>,
  limit = MAX_ERROR_BODY_BYTES,
): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      const piece = value.byteLength > limit - size ? value.subarray(0, limit - size) : value;
      chunks.push(piece);
      size += piece.byteLength;
    }
  } finally {
    // Past the cap (or after a failed read) nothing more is wanted: stop the transfer.
    await reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * A copy of an error answer whose body is at most its first
 * MAX_ERROR_BODY_BYTES. Status and headers are kept, `Content-Length`
 * dropped (it no longer holds). An answer a Response cannot be built with
 * (status 0: a browser's opaque redirect) is returned as it is.
 */
export async function withCappedBody(response: Response): Promise<Response> {
  if (response.status < 200) return response;
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  const init = { status: response.status, statusText: response.statusText, headers };
  if (response.body === null || NULL_BODY.has(response.status)) {
    await response.body?.cancel();
    return new Response(null, init);
  }
  return new Response(await readCapped(response.body), init);
}

/** The body of an error answer, capped: parsed JSON when it is JSON, else its text. */
export async function errorBody(response: Response): Promise<unknown> {
  if (response.body === null) return undefined;
  const text = new TextDecoder().decode(await readCapped(response.body));
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
