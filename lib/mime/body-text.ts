import { type DecodedText, decodeText } from './charset.js';
import { decodeTransfer } from './transfer-decoding.js';
import type { MimeNode } from './types.js';

/**
 * A text part's body as a string: transfer decoding (the part's
 * Content-Transfer-Encoding), then its declared charset. `problem` is set
 * when the charset was unknown or the bytes invalid for it; never throws.
 * `encoded` is the part's body as sent (IMAP BODY[part], or the
 * `bodyStart`–`bodyEnd` bytes of a parsed source).
 */
export function decodeBodyText(
  encoded: Uint8Array,
  node: Pick<MimeNode, 'encoding' | 'params'>,
): DecodedText {
  return decodeText(decodeTransfer(encoded, node.encoding), node.params.charset);
}
