/**
 * Largest token endpoint answer read. A real one is a few KiB (an ID token
 * included); an endpoint that streams more is not answering OAuth.
 */
export const MAX_TOKEN_ANSWER_BYTES = 64 * 1024;

/** What a capped read throws: no more than `limit` bytes were kept, the rest was never read. */
export class TokenAnswerTooLargeError extends Error {
  constructor(limit: number) {
    super(`the token endpoint answered more than ${limit} bytes`);
    this.name = 'TokenAnswerTooLargeError';
  }
}

/**
 * The platform fetch, with the answer's body read here up to `limit` bytes
 * and handed on buffered: oauth4webapi reads a body whole with `json()`,
 * so an endpoint chosen by an account document (a custom provider) could
 * otherwise make the process hold whatever it streams. Pass it as
 * oauth4webapi's `customFetch`.
 * @throws TokenAnswerTooLargeError past the limit (the connection is cancelled).
 */
export function cappedFetch(limit: number = MAX_TOKEN_ANSWER_BYTES) {
  return async (url: string, options: RequestInit): Promise<Response> => {
    const response = await fetch(url, options);
    if (response.body === null) return response;
    const read = await readBodyCapped(response.body, limit);
    if (read === undefined) throw new TokenAnswerTooLargeError(limit);
    const headers = new Headers(response.headers);
    // The body is handed on decoded: its length and encoding are no longer the wire's.
    headers.delete('content-length');
    headers.delete('content-encoding');
    const body = response.status === 204 || response.status === 304 ? null : read;
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  };
}

/**
 * A fetch answer's body, read up to `limit` bytes; undefined past it (the
 * rest is never read: the stream is cancelled). For answers from endpoints
 * a user or an account document chose.
 */
export async function readBodyCapped(
  body: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Buffer | undefined> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
