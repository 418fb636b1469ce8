/**
 * A raw message or attachment download: the body as the server streams it
 * (never buffered here) and the headers a caller needs to store or show it.
 */
export interface Download {
  /** The bytes, streamed: read it, pipe it or cancel it; nothing was read yet. */
  body: ReadableStream<Uint8Array>;
  /** `Content-Type`, parameters (charset) kept; `message/rfc822` for a raw message. */
  contentType: string | null;
  /** `Content-Length` when the server knew the size in advance. */
  contentLength: number | null;
  /** From `Content-Disposition` (`filename*` preferred, RFC 6266 §4.3). */
  filename: string | null;
  /** Strong `ETag`: a download's bytes never change for its URL. */
  etag: string | null;
  /** The answer itself, for any other header. */
  response: Response;
}

const EMPTY = () =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.close();
    },
  });

/** The Download of a 2xx answer whose body has not been read. */
export function toDownload(response: Response): Download {
  const length = response.headers.get('content-length');
  return {
    body: response.body ?? EMPTY(),
    contentType: response.headers.get('content-type'),
    contentLength: length !== null && /^\d+$/.test(length) ? Number(length) : null,
    filename: filenameOf(response.headers.get('content-disposition')),
    etag: response.headers.get('etag'),
    response,
  };
}

/**
 * The filename of an RFC 6266 Content-Disposition: `filename*` (RFC 8187,
 * UTF-8 percent-encoded) when present and decodable, else the quoted or
 * plain `filename`. Null when there is none.
 */
export function filenameOf(header: string | null): string | null {
  if (!header) return null;
  const extended = /;\s*filename\*\s*=\s*([^']*)'[^']*'([^;\s]*)/i.exec(header);
  if (extended && /^utf-8$/i.test(extended[1]!)) {
    try {
      return decodeURIComponent(extended[2]!);
    } catch {
      // Malformed percent-encoding: fall back to the plain parameter.
    }
  }
  const quoted = /;\s*filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header);
  if (quoted) return quoted[1]!.replace(/\\(.)/g, '$1');
  const token = /;\s*filename\s*=\s*([^;\s"]+)/i.exec(header);
  return token ? token[1]! : null;
}

/**
 * Where a download answered with a redirect to the streaming endpoint (the
 * deployed gateway sends large downloads there with 307), the URL to ask
 * again, with the same token. `fetch` would follow it itself but drops
 * `Authorization` when the redirect leaves the origin (Fetch standard), so
 * the client follows it once, by hand, only to http(s) and never from
 * https to http. Undefined when the answer is no such redirect.
 * `requested` stands in for `response.url` where a custom fetch leaves it empty.
 */
export function redirectTarget(response: Response, requested: string): URL | undefined {
  if (![301, 302, 303, 307, 308].includes(response.status)) return undefined;
  const location = response.headers.get('location');
  if (!location) return undefined;
  const from = new URL(response.url || requested);
  const target = new URL(location, from);
  if (target.protocol !== 'https:' && target.protocol !== 'http:') return undefined;
  if (from.protocol === 'https:' && target.protocol !== 'https:') return undefined;
  return target;
}
