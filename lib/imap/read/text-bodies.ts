import type { FetchQueryObject } from 'imapflow';
import { decodeText } from '../../mime/charset.js';
import { decodeTransfer } from '../../mime/transfer-decoding.js';
import { truncateUtf8 } from '../../mime/truncate-utf8.js';
import type { MimeNode } from '../../mime/types.js';
import { sectionBytes } from './section-bytes.js';

/** Decoded bytes asked beyond the cut, so a character split by the partial fetch lies past it. */
const SLACK_BYTES = 64;

/**
 * How many encoded bytes yield at least `decoded` bytes: base64 carries 3
 * bytes in 4 characters plus a CRLF every 76; quoted-printable at worst 1 in 3.
 */
export function encodedLengthFor(decoded: number, encoding: string): number {
  if (encoding === 'base64') return Math.ceil((Math.ceil(decoded / 3) * 4 * 78) / 76) + 4;
  if (encoding === 'quoted-printable') return decoded * 3 + 3;
  return decoded;
}

/** The longest partial IMAP can express: its `number` is an unsigned 32-bit integer (RFC 9051 §9). */
const MAX_PARTIAL_BYTES = 0xffff_ffff;

/**
 * The encoded bytes fetched of a text part for a cut at `maxBodyBytes`: enough
 * for that many decoded bytes, and never more than a partial can say (a
 * larger number, 2^53 say, made the server answer nothing, read as empty text).
 */
export function partialLengthFor(maxBodyBytes: number, encoding: string): number {
  return Math.min(encodedLengthFor(maxBodyBytes + SLACK_BYTES, encoding), MAX_PARTIAL_BYTES);
}

/** The `BODY.PEEK[part]` (or `<0.n>` partial, RFC 9051 §6.4.5) items for the text parts. */
export function textPartsQuery(parts: readonly MimeNode[], maxBodyBytes: number | null): FetchQueryObject {
  return {
    uid: true,
    bodyParts: parts.map((node) =>
      maxBodyBytes === null
        ? node.part
        : { key: node.part, start: 0, maxLength: partialLengthFor(maxBodyBytes, node.encoding) },
    ),
  };
}

export interface DecodedBody {
  text: string | null;
  truncated: boolean;
  encodingProblem: boolean;
}

/** Charset-decodes a body whose tail may have been cut mid-character, ignoring damage in the last bytes. */
function decodeCutText(bytes: Buffer, charset: string | undefined, cut: boolean) {
  const decoded = decodeText(bytes, charset);
  if (!cut || !decoded.problem) return decoded;
  for (let drop = 1; drop <= 8 && drop < bytes.length; drop++) {
    const shorter = decodeText(bytes.subarray(0, bytes.length - drop), charset);
    if (!shorter.problem) return shorter;
  }
  return decoded;
}

/**
 * Joins the selected parts of one body (text or HTML) into UTF-8 text, cut
 * at `maxBodyBytes` bytes. Only parts of `type` count: an HTML-only message
 * has no `text`, and no HTML is made up from plain text.
 */
export function decodeBody(
  parts: readonly MimeNode[],
  type: 'text/plain' | 'text/html',
  fetched: ReadonlyMap<string, Buffer> | undefined,
  maxBodyBytes: number | null,
): DecodedBody {
  const chosen = parts.filter((node) => node.type === type);
  if (chosen.length === 0) return { text: null, truncated: false, encodingProblem: false };
  let truncated = false;
  let encodingProblem = false;
  const texts = chosen.map((node) => {
    const raw = sectionBytes(fetched?.get(node.part));
    const cut = maxBodyBytes !== null && raw.length >= partialLengthFor(maxBodyBytes, node.encoding);
    const decoded = decodeCutText(decodeTransfer(raw, node.encoding), node.params.charset, cut);
    truncated ||= cut;
    encodingProblem ||= decoded.problem;
    return decoded.text;
  });
  const joined = truncateUtf8(texts.join(type === 'text/html' ? '\n' : '\n\n'), maxBodyBytes);
  return { text: joined.text, truncated: truncated || joined.truncated, encodingProblem };
}
