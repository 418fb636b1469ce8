import type { AttachmentMeta } from '../mail/types.js';
import { partName } from './select-bodies.js';
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

/**
 * Decoded size from the encoded size. Exact for 7bit/8bit/binary. For base64
 * it assumes RFC 2045 §6.8 lines of 76 characters plus CRLF and one byte of
 * padding on average: within 2% for anything over a few hundred bytes. For
 * quoted-printable it is the encoded size, an upper bound that is close for
 * mostly-ASCII text (escapes and soft breaks are the only overhead).
 */
export function estimateDecodedSize(encodedSize: number, encoding: string): number {
  if (encodedSize <= 0) return 0;
  if (encoding !== 'base64') return encodedSize;
  const lines = Math.ceil((encodedSize + 2) / 78);
  const characters = encodedSize - 2 * (lines - 1);
  return Math.max(0, Math.round((characters * 3) / 4) - 1);
}

function normalizeDisposition(value: string | null): AttachmentMeta['disposition'] {
  return value === 'attachment' || value === 'inline' ? value : null;
}

/**
 * Describes an attachment part for the API: `id` is its part specifier,
 * `filename` the disposition filename else the Content-Type name, `size` the
 * decoded size (`decodedSize` when the caller knows it exactly, else
 * estimated from the encoded size).
 */
export function describeAttachment(node: MimeNode, decodedSize?: number): AttachmentMeta {
  return {
    id: node.part,
    filename: partName(node),
    contentType: formatContentType(node),
    size: decodedSize ?? estimateDecodedSize(node.size, node.encoding),
    disposition: normalizeDisposition(node.disposition),
    contentId: node.contentId,
  };
}
