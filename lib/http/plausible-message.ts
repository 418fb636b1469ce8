import { InvalidRequestError } from '../mail/errors.js';
import { isHeaderName } from '../mail/protocol-text.js';
import { parseHeaderBlock } from '../mime/headers.js';

const LF = 0x0a;
const CR = 0x0d;

/** True when `bodyStart` sits just after an empty line, i.e. the header block ended properly. */
function endsWithBlankLine(raw: Buffer, bodyStart: number): boolean {
  if (raw[bodyStart - 1] !== LF) return false;
  if (raw[bodyStart - 2] === LF) return true;
  return raw[bodyStart - 2] === CR && raw[bodyStart - 3] === LF;
}

/**
 * Refuses bytes that are plainly not an RFC 5322 message before they reach
 * a mail server, which would store almost anything. The heuristic, on
 * purpose lenient with the odd headers real mail carries:
 *
 * - the message is not empty;
 * - it starts with a header field (not an mbox `From ` line, not body text);
 * - its header block holds at least one well-formed field (`Name: value`,
 *   the name printable ASCII without spaces, RFC 5322 §2.2);
 * - the header block ends with an empty line (§2.1), or is all there is;
 * - there is no NUL byte in the header block.
 *
 * Required fields (§3.6: Date, From) are not demanded: drafts often lack them.
 * @throws InvalidRequestError naming the first rule broken.
 */
export function assertPlausibleMessage(raw: Buffer): void {
  if (raw.byteLength === 0) throw new InvalidRequestError('The message is empty.');
  if ([0x20, 0x09, CR, LF].includes(raw[0]!)) {
    throw new InvalidRequestError('The message must start with a header field.');
  }
  if (raw.subarray(0, 5).toString('latin1') === 'From ') {
    throw new InvalidRequestError('The message starts with an mbox "From " line, not a header field.');
  }
  const { headers, bodyStart } = parseHeaderBlock(raw);
  if (!headers.some((field) => isHeaderName(field.name))) {
    throw new InvalidRequestError('The message has no header fields: it is not an RFC 5322 message.');
  }
  if (bodyStart < raw.byteLength && !endsWithBlankLine(raw, bodyStart)) {
    throw new InvalidRequestError(
      'The message header is not followed by an empty line: it is not an RFC 5322 message.',
    );
  }
  if (raw.subarray(0, bodyStart).includes(0)) {
    throw new InvalidRequestError('The message header contains a NUL byte.');
  }
}
