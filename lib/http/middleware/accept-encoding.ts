/**
 * Content negotiation on `Accept-Encoding` (RFC 9110 §12.5.3) for the two
 * codings the gateway offers. Pure: header text in, coding (or none) out.
 */

/** The content codings the gateway can apply, best first when a client ranks them equally. */
export type ContentCoding = 'br' | 'gzip';

/** Longest Accept-Encoding value looked at; a longer one is ignored (no coding). */
const MAX_HEADER_CHARS = 1024;

/** token (RFC 9110 §5.6.2). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** qvalue (RFC 9110 §12.4.2): 0 to 1, at most three decimals. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * The weight of each coding the header names (lower-cased; `x-gzip` is
 * `gzip`, RFC 9110 §8.4.1.3). An element that is not well formed is
 * skipped; a coding listed twice keeps its first weight.
 */
function weights(header: string): Map<string, number> {
  const listed = new Map<string, number>();
  for (const element of header.split(',')) {
    const [rawName = '', ...params] = element.split(';');
    const name = rawName.trim().toLowerCase();
    if (name === '' || !TOKEN.test(name)) continue;
    let q = 1;
    let wellFormed = true;
    for (const param of params) {
      const match = /^\s*q\s*=\s*(\S*)\s*$/i.exec(param);
      // Parameters other than q are not defined for codings; they do not spoil the element.
      if (!match) continue;
      if (!QVALUE.test(match[1] ?? '')) {
        wellFormed = false;
        break;
      }
      q = Number(match[1]);
    }
    const coding = name === 'x-gzip' ? 'gzip' : name;
    if (wellFormed && !listed.has(coding)) listed.set(coding, q);
  }
  return listed;
}

/**
 * The coding to send for a request's `Accept-Encoding`, or null for none
 * (identity).
 *
 * - No header, an empty one or one too long: identity. RFC 9110 lets a
 *   server pick any coding when the header is absent, but a client that
 *   says nothing may not decode one.
 * - A coding's weight is its own entry's, else that of `*`, else 0; a
 *   weight of 0 refuses it.
 * - The heavier of `br` and `gzip` wins; equal weights pick `br`
 *   (smaller for the same CPU at the levels chosen).
 * - Identity wins only when the client ranks it explicitly above that
 *   coding (`gzip;q=0.5, identity`); otherwise it is the fallback. Should
 *   identity be refused too (`identity;q=0`, or `*;q=0` without naming it)
 *   and nothing else be acceptable, identity is sent all the same: RFC 9110
 *   §12.5.3 lets a server ignore the header rather than fail.
 */
export function negotiateEncoding(header: string | null | undefined): ContentCoding | null {
  if (header === null || header === undefined || header.length > MAX_HEADER_CHARS) return null;
  const listed = weights(header);
  if (listed.size === 0) return null;
  const star = listed.get('*');
  const weightOf = (coding: string) => listed.get(coding) ?? star ?? 0;
  const br = weightOf('br');
  const gzip = weightOf('gzip');
  const best: ContentCoding | null = br > 0 && br >= gzip ? 'br' : gzip > 0 ? 'gzip' : null;
  if (best === null) return null;
  const identity = listed.get('identity');
  if (identity !== undefined && identity > weightOf(best)) return null;
  return best;
}
