import type { ImapFlow } from 'imapflow';
import { type MailgateError, UpstreamUnavailableError } from '../../mail/errors.js';

/**
 * imapflow answers `false` both when the server said NO and when the
 * connection died under the command. Only the first may be read as "no such
 * mailbox/message"; the second must surface as a failure whose outcome is
 * unknown, or a cut connection would be reported as a missing message.
 */
export function refusalOr(client: ImapFlow, refusal: () => MailgateError): MailgateError {
  if (!client.usable) {
    return new UpstreamUnavailableError('The connection to the mail server was lost during the operation.');
  }
  return refusal();
}
