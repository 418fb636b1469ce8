/** A download body that did not have the length its Content-Length promised. */
export class DownloadLengthError extends Error {
  constructor(declared: number, seen: 'more' | number) {
    super(
      seen === 'more'
        ? `the mail server sent more than the ${declared} bytes it declared`
        : `the mail server sent ${seen} of the ${declared} bytes it declared`,
    );
    this.name = 'DownloadLengthError';
  }
}

/**
 * A download body held to exactly `size` bytes, the length sent as
 * Content-Length. Never more: a byte past it would be read by the client as
 * the start of the next response on the connection (response splitting).
 * Never fewer unnoticed: a short body fails, and so does a long one, which
 * makes the HTTP layer abort the response (the connection is destroyed, so
 * the client sees an error instead of a complete-looking body). The last
 * byte is held back until the source has ended, so a body that turns out
 * too long has never looked complete either.
 * @throws DownloadLengthError, after at most `size - 1` bytes
 */
export async function* exactLength(
  body: AsyncIterable<Uint8Array>,
  size: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  let sent = 0;
  let last: Uint8Array | null = null;
  for await (const chunk of body) {
    if (chunk.length === 0) continue;
    if (sent + chunk.length > size) throw new DownloadLengthError(size, 'more');
    sent += chunk.length;
    if (sent < size) {
      yield chunk;
      continue;
    }
    if (chunk.length > 1) yield chunk.subarray(0, chunk.length - 1);
    last = chunk.subarray(chunk.length - 1);
  }
  if (sent !== size) throw new DownloadLengthError(size, sent);
  if (last !== null) yield last;
}
