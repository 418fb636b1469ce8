/**
 * A base URL without its trailing slashes, trimmed by a backwards scan
 * (a `/\/+$/` replace retries at every slash of a long run: quadratic).
 */
export function withoutTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 0x2f) end -= 1;
  return url.slice(0, end);
}
