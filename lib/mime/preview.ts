import { compile } from 'html-to-text';
import { decodeText } from './charset.js';
import { type ParsedMimeNode, parseMimeTree } from './parse-structure.js';
import { boundHtml } from './safe-html.js';
import { selectBodies } from './select-bodies.js';
import { decodeTransfer } from './transfer-decoding.js';
import type { MimeNode } from './types.js';

/**
 * Message previews: at most PREVIEW_CHARS characters of a message's text,
 * whitespace collapsed, for lists. Every function here is total: broken MIME,
 * bad base64, an unknown charset or a cut in the middle of a character give
 * best-effort text or null, never an exception.
 */

/** Longest preview, in UTF-16 code units (so also at most this many characters). */
export const PREVIEW_CHARS = 200;

/**
 * Bytes of the body read for a preview where the server computes none
 * (`BODY.PEEK[TEXT]<0.2048>`): room for a multipart preamble, the first
 * part's header and, even quoted-printable or base64, a few hundred
 * characters of text.
 */
export const PREVIEW_PREFIX_BYTES = 2048;

/** Most characters of a decoded body looked at (a preview needs only its start). */
const MAX_SOURCE_CHARS = 64 * 1024;
/**
 * Most bytes of an encoded body decoded for a preview: a whole body (a POP3
 * message, a message read) is cut to this first, so a 30 MB text part costs
 * no more than its start.
 */
const MAX_SOURCE_BYTES = 256 * 1024;

/** Characters that only pad (newsletter preheaders fill with them), removed outright. */
// Soft hyphen, zero-width and direction marks, word joiners, fillers, BOM; the combining grapheme joiner apart.
const INVISIBLE =
  /[\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u3164\ufeff\uffa0]|\u034f/g;
const CONTROLS = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/g;

const htmlToPreviewText = compile({
  wordwrap: false,
  limits: { maxInputLength: MAX_SOURCE_CHARS },
  selectors: [
    { selector: 'head', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'script', format: 'skip' },
    { selector: 'title', format: 'skip' },
    { selector: 'img', format: 'skip' },
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'td', format: 'block' },
    { selector: 'th', format: 'block' },
    { selector: 'hr', format: 'skip' },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
  ],
});

/**
 * A preview from text: invisible padding and control characters removed,
 * every run of whitespace one space, trimmed, cut to PREVIEW_CHARS (never
 * inside a surrogate pair). Null when nothing is left.
 */
export function collapsePreview(text: string | null | undefined): string | null {
  if (typeof text !== 'string') return null;
  // Only the start is needed: a window four times as long as needed, grown while padding eats it.
  let window = PREVIEW_CHARS * 4;
  let collapsed = collapse(text.slice(0, window));
  while (collapsed.length < PREVIEW_CHARS && window < Math.min(text.length, MAX_SOURCE_CHARS)) {
    window *= 4;
    collapsed = collapse(text.slice(0, window));
  }
  if (collapsed === '') return null;
  if (collapsed.length <= PREVIEW_CHARS) return collapsed;
  let end = PREVIEW_CHARS;
  const last = collapsed.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return collapsed.slice(0, end).trimEnd();
}

function collapse(text: string): string {
  return text.replace(INVISIBLE, '').replace(CONTROLS, ' ').replace(/\s+/gu, ' ').trim();
}

/** Text of an HTML body or fragment (tags, styles, scripts, images and link targets left out). */
export function previewFromHtml(html: string | null | undefined): string | null {
  if (typeof html !== 'string' || html === '') return null;
  try {
    // Nesting bounded first: the HTML parser is quadratic on unclosed tags (safe-html.ts).
    return collapsePreview(htmlToPreviewText(boundHtml(html.slice(0, MAX_SOURCE_CHARS))));
  } catch {
    return null;
  }
}

/** A preview from a message's decoded bodies: the text, else the HTML's text. */
export function previewFromBodies(
  text: string | null | undefined,
  html: string | null | undefined,
): string | null {
  return collapsePreview(text) ?? previewFromHtml(html);
}

/** What a body's bytes are: its media type, charset and transfer encoding. */
export interface BodyFormat {
  type: string;
  charset?: string | null;
  encoding?: string | null;
}

/** Drops a UTF-8 sequence cut short at the end of a prefix, so the rest decodes strictly (and fast). */
function trimCutUtf8(bytes: Buffer): Buffer {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if (byte < 0x80) return bytes;
    if (byte >= 0xc0) {
      const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return length > back ? bytes.subarray(0, bytes.length - back) : bytes;
    }
  }
  return bytes;
}

/** Drops a quoted-printable escape or soft break cut short at the end of a prefix. */
function trimCutEscape(bytes: Buffer): Buffer {
  const tail = bytes.subarray(Math.max(0, bytes.length - 2)).toString('latin1');
  if (tail.endsWith('=')) return bytes.subarray(0, bytes.length - 1);
  if (/=[0-9A-Fa-f]$/.test(tail)) return bytes.subarray(0, bytes.length - 2);
  return bytes;
}

/**
 * A preview from one body's encoded bytes (all of it, or a prefix when
 * `cut`): transfer encoding undone, charset decoded, HTML turned to text.
 * Null for a body that is not text/plain or text/html, or that holds no text.
 */
export function previewFromBody(bytes: Uint8Array, format: BodyFormat, cut = false): string | null {
  try {
    if (bytes.byteLength > MAX_SOURCE_BYTES) {
      bytes = bytes.subarray(0, MAX_SOURCE_BYTES);
      cut = true;
    }
    const type = format.type.toLowerCase();
    if (type !== 'text/plain' && type !== 'text/html') return null;
    const encoding = (format.encoding ?? '7bit').toLowerCase();
    let raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (cut && encoding === 'quoted-printable') raw = trimCutEscape(raw);
    let decoded = decodeTransfer(raw, encoding);
    if (cut && /^utf-?8$/i.test(format.charset ?? '')) decoded = trimCutUtf8(decoded);
    let { text } = decodeText(decoded, format.charset ?? null);
    // A character cut at the end of a prefix in another charset decodes as U+FFFD: drop it.
    if (cut) {
      let end = text.length;
      while (end > 0 && text.charCodeAt(end - 1) === 0xfffd) end--;
      text = text.slice(0, end);
    }
    return type === 'text/html' ? previewFromHtml(text) : collapsePreview(text);
  } catch {
    return null;
  }
}

/** The leaves RFC 8621 shows as the text body, else the HTML body, that are text. */
function textLeaves(root: MimeNode): MimeNode[] {
  const { textBody, htmlBody } = selectBodies(root);
  const isText = (node: MimeNode) => node.type === 'text/plain' || node.type === 'text/html';
  return [...textBody.filter(isText), ...htmlBody.filter(isText)];
}

/**
 * A delimiter line cut short at the end of a prefix (`\r\n--bou`), which the
 * parser cannot know for one and leaves in the last part's body.
 */
function trimCutDelimiter(raw: Buffer, start: number, end: number): number {
  const window = raw.subarray(Math.max(start, end - 200), end).toString('latin1');
  const match = /\r?\n--[^\r\n]*$/.exec(window);
  return match ? end - (window.length - match.index) : end;
}

/**
 * A preview from a whole message or its start (`cut`): a header block and
 * as much body as was read, e.g. POP3 `TOP n lines`. The MIME structure is
 * parsed from what is there; the first text part RFC 8621 would show (plain
 * text before HTML) that begins within the bytes gives the preview.
 */
export function previewFromMessage(raw: Buffer, cut = false): string | null {
  try {
    const root = parseMimeTree(raw);
    for (const node of textLeaves(root) as ParsedMimeNode[]) {
      if (node.bodyStart >= raw.length && cut) continue;
      const atEnd = node.bodyEnd >= raw.length;
      const end = cut && atEnd ? trimCutDelimiter(raw, node.bodyStart, node.bodyEnd) : node.bodyEnd;
      const preview = previewFromBody(
        raw.subarray(node.bodyStart, end),
        { type: node.type, charset: node.params.charset ?? null, encoding: node.encoding },
        cut && atEnd,
      );
      if (preview !== null) return preview;
    }
    return null;
  } catch {
    return null;
  }
}

/** A header field value: a quoted string with `"` and `\` escaped, no line breaks. */
function quoted(value: string): string {
  return `"${value.replace(/[\r\n]/g, ' ').replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * A preview from the start of a message's body (IMAP `BODY[TEXT]<0.n>`)
 * and the message's root as BODYSTRUCTURE describes it: the root's media
 * type, boundary, charset and transfer encoding make a header block, and the
 * whole is read as previewFromMessage does. `cut` when the body was longer
 * than what was read.
 */
export function previewFromBodyPrefix(root: MimeNode, body: Buffer, cut: boolean): string | null {
  try {
    const params = Object.entries(root.params)
      .filter(([name]) => name === 'boundary' || name === 'charset')
      .map(([name, value]) => `; ${name}=${quoted(value)}`)
      .join('');
    const header = `Content-Type: ${root.type || 'text/plain'}${params}\r\nContent-Transfer-Encoding: ${root.encoding || '7bit'}\r\n\r\n`;
    return previewFromMessage(Buffer.concat([Buffer.from(header, 'latin1'), body]), cut);
  } catch {
    return null;
  }
}
