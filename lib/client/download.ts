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

/** Why a download redirect was not followed; the client turns it into a MailgateError. */
export class RedirectRefused {
  constructor(readonly reason: string) {}
}

/**
 * Where a download answered 307/308 (the deployed gateway sends large
 * downloads to its streaming endpoint so, same path and query), the URL to
 * ask again with the same token. `fetch` would follow it itself but drops
 * `Authorization` when the redirect leaves the origin (Fetch standard), so
 * the client follows it once, by hand, and only where the token may go:
 *
 * - only 307 and 308 (what the gateway sends); 301/302/303 are answered as
 *   errors, not followed;
 * - only to one of `origins` (those of `baseUrl`, `downloadBaseUrl` and
 *   `downloadOrigins`): the token is never sent to a host the caller did
 *   not name, and not silently dropped either (RedirectRefused says which
 *   origin to configure);
 * - only to a path that ends with the requested route and the same query,
 *   as the gateway builds it; never from https to http.
 *
 * @param requested the URL the download was asked at.
 * @param route the part of its path after the base URL's path (`/v1/…`).
 * @returns undefined when the answer is no 307/308 with a Location.
 * @throws RedirectRefused when it is one that must not be followed.
 */
export function redirectTarget(
  response: Response,
  requested: URL,
  route: string,
  origins: ReadonlySet<string>,
): URL | undefined {
  if (response.status !== 307 && response.status !== 308) return undefined;
  const location = response.headers.get('location');
  if (!location) return undefined;
  let target: URL;
  try {
    target = new URL(location, requested);
  } catch {
    throw new RedirectRefused('the download was redirected to an unreadable Location');
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:')
    throw new RedirectRefused(`the download was redirected to a ${target.protocol} URL`);
  if (requested.protocol === 'https:' && target.protocol !== 'https:')
    throw new RedirectRefused('the download was redirected from https to http');
  if (!origins.has(target.origin))
    throw new RedirectRefused(
      `the download was redirected to ${target.origin}, which this client sends no token to: set downloadBaseUrl (or downloadOrigins) to it`,
    );
  if (!target.pathname.endsWith(route) || target.search !== requested.search)
    throw new RedirectRefused('the download was redirected to another path or query than the one asked for');
  return target;
}
