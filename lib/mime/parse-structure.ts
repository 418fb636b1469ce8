import { getHeader, type HeaderField, parseHeaderBlock } from './headers.js';
import { parseContentType, parseStructuredHeader } from './structured-header.js';
import { normalizeTransferEncoding } from './transfer-decoding.js';
import type { MimeNode } from './types.js';

/** A MimeNode parsed from a message source, with where it lies in that source. */
export interface ParsedMimeNode extends MimeNode {
  /** Offset of the part's first header byte (the MIME header block). */
  headerStart: number;
  /** Offset of the first body byte; `bodyEnd - bodyStart` is `size`. */
  bodyStart: number;
  /** Offset just past the body, before the line break that opens the next delimiter. */
  bodyEnd: number;
  headers: HeaderField[];
  children: ParsedMimeNode[];
}

/** Deeper nesting than this is treated as opaque leaves, so hostile input cannot exhaust the stack. */
const MAX_DEPTH = 64;
/**
 * RFC 2046 §5.1.1 allows boundaries of 70 characters; some senders exceed
 * that a little. A longer one is read as no boundary (the body is one part):
 * searching a 200 KB body for a 60 KB delimiter took hundreds of milliseconds.
 */
const MAX_BOUNDARY_CHARS = 256;

/**
 * Parts described per message. Past it a multipart is not split further and
 * its last described part runs to the end: 1 MB of bare delimiter lines
 * would otherwise be 200,000 parts and half a second of parsing.
 */
const MAX_PARTS = 1000;

interface Numbering {
  /** The part specifier if the entity turns out to be single-part. */
  leaf: string;
  /** The part specifier if it is multipart. */
  multipart: string;
}

/** RFC 9051 §6.4.5 numbering of the children of a multipart whose own specifier is `prefix`. */
function childNumbering(prefix: string, index: number): Numbering {
  const part = prefix ? `${prefix}.${index}` : String(index);
  return { leaf: part, multipart: part };
}

/**
 * The id inside `<…>`, brackets repeated or not. Index scans, not `/>+$/`:
 * that pattern retries at every '>' of a run, and a 100 KB run took 11 s.
 */
function stripAngles(value: string | null): string | null {
  const text = value?.trim() ?? '';
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) === 0x3c /* < */) start++;
  while (end > start && text.charCodeAt(end - 1) === 0x3e /* > */) end--;
  const id = text.slice(start, end).trim();
  return id ? id : null;
}

interface Delimiter {
  /** Offset of the line break before the delimiter line (or of the line itself). */
  before: number;
  /** Offset just past the delimiter line's own line break. */
  after: number;
  close: boolean;
}

/**
 * Finds the delimiter lines of `boundary` in [start, end): "--" boundary at a
 * line start, an optional "--" for the close delimiter, then only optional
 * whitespace (RFC 2046 §5.1.1). The line break before a delimiter belongs to it.
 */
function findDelimiters(
  raw: Buffer,
  start: number,
  end: number,
  boundary: string,
  limit: number,
): Delimiter[] {
  const marker = Buffer.from(`--${boundary}`, 'latin1');
  // Searched with its line break, so only line starts are candidates: the
  // bare marker matched at every byte of a body made of the boundary's own
  // characters, and each restart cost the boundary's length (quadratic).
  const lineMarker = Buffer.from(`\n--${boundary}`, 'latin1');
  const scope = raw.subarray(0, end);
  const found: Delimiter[] = [];
  let at = scope.subarray(start, start + marker.length).equals(marker) ? start : -1;
  let from = start;
  while (found.length < limit) {
    if (at < 0) {
      const lf = scope.indexOf(lineMarker, from);
      if (lf < 0) break;
      at = lf + 1;
    }
    let p = at + marker.length;
    from = at;
    at = -1;
    const close = raw[p] === 0x2d && raw[p + 1] === 0x2d && p + 2 <= end;
    if (close) p += 2;
    while (p < end && (raw[p] === 0x20 || raw[p] === 0x09)) p++;
    if (p < end && raw[p] === 0x0d && raw[p + 1] === 0x0a) p += 2;
    else if (p < end && raw[p] === 0x0a) p += 1;
    else if (p < end) continue;
    let before = from;
    if (before > start && raw[before - 1] === 0x0a) before--;
    if (before > start && raw[before - 1] === 0x0d) before--;
    found.push({ before, after: Math.min(p, end), close });
    if (close) break;
    // The delimiter line's own line break may open the next delimiter.
    from = p - 1;
  }
  return found;
}

/**
 * Body sections of a multipart: between delimiters, the last one open-ended
 * when the close delimiter is missing or the `limit`th section is reached.
 */
function sections(
  raw: Buffer,
  start: number,
  end: number,
  boundary: string,
  limit: number,
): Array<[number, number]> {
  const delimiters = findDelimiters(raw, start, end, boundary, limit);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < delimiters.length; i++) {
    const current = delimiters[i]!;
    if (current.close) break;
    const next = delimiters[i + 1];
    out.push([current.after, next ? Math.max(current.after, next.before) : end]);
  }
  return out;
}

function parseEntity(
  raw: Buffer,
  start: number,
  end: number,
  numbering: Numbering,
  defaultType: string,
  depth: number,
  budget: { parts: number },
): ParsedMimeNode {
  budget.parts--;
  const { headers, bodyStart } = parseHeaderBlock(raw, start, end);
  const contentType = parseContentType(getHeader(headers, 'content-type'), defaultType);
  const disposition = parseStructuredHeader(getHeader(headers, 'content-disposition'));
  const encoding = normalizeTransferEncoding(getHeader(headers, 'content-transfer-encoding'));
  const isMultipart = contentType.type.startsWith('multipart/') && depth < MAX_DEPTH;
  const node: ParsedMimeNode = {
    part: isMultipart ? numbering.multipart : numbering.leaf,
    type: contentType.type,
    params: contentType.params,
    disposition: disposition.value || null,
    dispositionParams: disposition.params,
    contentId: stripAngles(getHeader(headers, 'content-id')),
    encoding,
    size: end - bodyStart,
    children: [],
    headerStart: start,
    bodyStart,
    bodyEnd: end,
    headers,
  };
  const nests = contentType.type.startsWith('multipart/') || contentType.type === 'message/rfc822';
  if (nests && depth >= MAX_DEPTH) node.truncated = true;
  if (isMultipart) {
    // RFC 2046 §5.1.5: parts of a digest default to message/rfc822.
    const childDefault = contentType.type === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
    const boundary = contentType.params.boundary;
    const usable = boundary && boundary.length <= MAX_BOUNDARY_CHARS;
    const found = usable && budget.parts > 0 ? sections(raw, bodyStart, end, boundary, budget.parts) : [];
    // A multipart without a boundary or without any part still needs a body
    // part: its whole body becomes one plain-text part, as IMAP servers report one.
    const spans = found.length > 0 ? found : [[bodyStart, end] as [number, number]];
    node.children = spans.map(([s, e], i) =>
      found.length > 0
        ? parseEntity(raw, s, e, childNumbering(node.part, i + 1), childDefault, depth + 1, budget)
        : bareTextPart(s, e, childNumbering(node.part, 1).leaf),
    );
  } else if (contentType.type === 'message/rfc822' && depth < MAX_DEPTH && isIdentity(encoding)) {
    // RFC 9051 §6.4.5: the attached message's single body is P.1; a multipart
    // body shares P with its wrapper and numbers its children P.1, P.2…
    const inner = { leaf: `${node.part}.1`, multipart: node.part };
    node.children = [parseEntity(raw, bodyStart, end, inner, 'text/plain', depth + 1, budget)];
  }
  return node;
}

function isIdentity(encoding: string): boolean {
  return encoding === '7bit' || encoding === '8bit' || encoding === 'binary';
}

function bareTextPart(start: number, end: number, part: string): ParsedMimeNode {
  return {
    part,
    type: 'text/plain',
    params: { charset: 'us-ascii' },
    disposition: null,
    dispositionParams: {},
    contentId: null,
    encoding: '7bit',
    size: end - start,
    children: [],
    headerStart: start,
    bodyStart: start,
    bodyEnd: end,
    headers: [],
  };
}

/**
 * Parses a message source into its MIME tree, numbered like IMAP
 * BODYSTRUCTURE part specifiers (RFC 9051 §6.4.5): a single-part message's
 * body is "1"; a multipart root is "" with children "1", "2", nested "1.2".
 * Tolerates what real mail does wrong: bare LF line breaks, whitespace after
 * boundaries, a missing close delimiter (the last part runs to the end),
 * missing or malformed Content-Type (RFC 2045 §5.2 default), broken headers.
 * At most 1,000 parts are described (MAX_PARTS).
 * Pure: offsets point into `raw`, nothing is copied.
 */
export function parseMimeTree(raw: Buffer): ParsedMimeNode {
  return parseEntity(raw, 0, raw.length, { leaf: '1', multipart: '' }, 'text/plain', 0, { parts: MAX_PARTS });
}
