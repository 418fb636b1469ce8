import type { AttachmentMeta } from '../mail/types.js';
import { partName } from './select-bodies.js';
import { decodeTransfer } from './transfer-decoding.js';
import type { MimeNode } from './types.js';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function formatParam(name: string, value: string): string {
  if (TOKEN.test(value)) return `${name}=${value}`;
  if (/^[\x20-\x7e]*$/.test(value)) return `${name}="${value.replace(/(["\\])/g, '\\$1')}"`;
  // Non-ASCII cannot stand in a header as is: RFC 2231 §4 extended notation.
  return `${name}*=utf-8''${encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/** `type/subtype` with the parameters the message declares (charset kept). */
export function formatContentType(node: Pick<MimeNode, 'type' | 'params'>): string {
  const params = Object.entries(node.params).map(([name, value]) => formatParam(name, value));
  return [node.type, ...params].join('; ');
}

/** Assumed mean lengths of soft-wrapped and of other quoted-printable lines: see estimateDecodedSize. */
const QP_SOFT_LINE = 72;
const QP_HARD_LINE = 20;

/**
 * Decoded size from what BODYSTRUCTURE tells without the data: the encoded
 * size and, for text/* and message/* parts, the line count. Exact for
 * 7bit/8bit/binary and unknown encodings (which are not decoded).
 *
 * base64: the characters are the size less the line breaks (the stated
 * line count, else RFC 2045 §6.8 lines of 76), 3 bytes per 4, less one byte
 * of padding on average. Within one line's worth for any line length when
 * the count is stated.
 *
 * quoted-printable: the size less 3 bytes per soft line break ("=" CRLF),
 * their number guessed from the average line length (wrapped lines about
 * 72 characters, the others about 20, blank lines included). `=XX` escapes
 * cannot be counted without the data, so accented or non-Latin text comes
 * out too big by 2 bytes per escape (figures in DECISIONS.md D16).
 */
export function estimateDecodedSize(encodedSize: number, encoding: string, lines?: number): number {
  if (encodedSize <= 0) return 0;
  if (encoding === 'base64') {
    const breaks = lines !== undefined ? lines : Math.ceil((encodedSize + 2) / 78) - 1;
    const characters = Math.max(0, encodedSize - 2 * breaks);
    return Math.max(0, Math.floor((characters * 3) / 4) - 1);
  }
  if (encoding === 'quoted-printable' && lines !== undefined && lines > 0) {
    const characters = encodedSize - 2 * lines;
    const soft = Math.round((characters - QP_HARD_LINE * (lines + 1)) / (QP_SOFT_LINE - QP_HARD_LINE));
    return encodedSize - 3 * Math.min(lines, Math.max(0, soft));
  }
  return encodedSize;
}

/**
 * Decoded size of a base64 or quoted-printable part from its first bytes
 * (`prefix`, a partial fetch) and its encoded size: exact when the prefix is
 * the whole part, else the prefix's decoded-to-encoded ratio over whole
 * lines applied to the whole size. Other encodings are not decoded: the
 * encoded size.
 */
export function decodedSizeFromPrefix(prefix: Uint8Array, encodedSize: number, encoding: string): number {
  if (encoding !== 'base64' && encoding !== 'quoted-printable') return encodedSize;
  if (prefix.length >= encodedSize) return decodeTransfer(prefix, encoding).length;
  // Whole lines only, so no escape or base64 quantum is cut in two.
  const lastLineEnd = prefix.lastIndexOf(0x0a);
  const sample = lastLineEnd > 0 ? prefix.subarray(0, lastLineEnd + 1) : prefix;
  if (sample.length === 0) return estimateDecodedSize(encodedSize, encoding);
  return Math.round((decodeTransfer(sample, encoding).length * encodedSize) / sample.length);
}

function normalizeDisposition(value: string | null): AttachmentMeta['disposition'] {
  return value === 'attachment' || value === 'inline' ? value : null;
}

/**
 * Describes an attachment part for the API: `id` is its part specifier,
 * `filename` the disposition filename else the Content-Type name, `size` the
 * decoded size (`decodedSize` when the caller knows it, exactly or from a
 * prefix, else estimated from the encoded size and line count).
 */
export function describeAttachment(node: MimeNode, decodedSize?: number): AttachmentMeta {
  return {
    id: node.part,
    filename: partName(node),
    contentType: formatContentType(node),
    size: decodedSize ?? estimateDecodedSize(node.size, node.encoding, node.lines),
    disposition: normalizeDisposition(node.disposition),
    contentId: node.contentId,
  };
}
