import { MessageNotFoundError } from '../../mail/errors.js';

/**
 * A section's bytes from a FETCH row (BODY[…], a source window). imapflow
 * gives `false` for NIL, which Dovecot answers for a message another
 * session expunged after this one selected it: the message is gone, and
 * `false` fed to a decoder failed a download mid-body or a message answer
 * as a 502. A section that did not come back at all is empty.
 * @throws MessageNotFoundError for NIL
 */
export function sectionBytes(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value === undefined) return Buffer.alloc(0);
  throw new MessageNotFoundError('The message was removed while it was being read.');
}
