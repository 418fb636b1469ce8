import {
  MailgateError,
  MessageNotFoundError,
  UpstreamAuthError,
  UpstreamThrottledError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../mail/errors.js';
import { Pop3Error } from './pop3-error.js';

/** RFC 2449 §8.1 and RFC 3206: codes that mean "try again later". */
const THROTTLE_CODES = new Set(['IN-USE', 'LOGIN-DELAY', 'SYS/TEMP']);
/** Commands that name a message number: -ERR means the number no longer exists. */
const MESSAGE_COMMANDS = new Set(['RETR', 'TOP', 'DELE', 'LIST', 'UIDL']);
const DEFAULT_RETRY_SECONDS = 30;

/**
 * Translates any failure of the POP3 client into a domain error. Pure: the
 * details are fixed sentences, so no credentials or server text can leak;
 * the original failure is kept as `cause` for logs.
 */
export function mapPop3Error(error: unknown): MailgateError {
  if (error instanceof MailgateError) return error;
  if (!(error instanceof Pop3Error)) {
    return new UpstreamUnavailableError('The POP3 server could not be reached.', { cause: error });
  }
  const options = { cause: error };
  switch (error.kind) {
    case 'rejected':
      return mapRejection(error);
    case 'timeout':
      return new UpstreamTimeoutError('The POP3 server did not answer in time.', options);
    case 'aborted':
      return new UpstreamTimeoutError('The POP3 session was cancelled before the server answered.', options);
    case 'tls_unavailable':
      return new UpstreamUnavailableError(
        'The POP3 server does not offer STLS; refusing to log in without TLS.',
        options,
      );
    case 'connect':
      return new UpstreamUnavailableError(
        'Could not connect to the POP3 server or establish TLS with it.',
        options,
      );
    case 'closed':
      return new UpstreamUnavailableError('The POP3 server closed the connection unexpectedly.', options);
    case 'protocol':
      return new UpstreamUnavailableError('The POP3 server sent a malformed response.', options);
    case 'too_large':
      return new UpstreamUnavailableError(
        'The POP3 server sent a longer answer than it announced or than this gateway reads; the session was ended.',
        options,
      );
  }
}

function mapRejection(error: Pop3Error): MailgateError {
  const options = { cause: error };
  const code = error.responseCode;
  if (code !== null && THROTTLE_CODES.has(code)) {
    return new UpstreamThrottledError(
      code === 'IN-USE'
        ? 'The POP3 mailbox is locked by another session.'
        : 'The POP3 server asked us to wait before logging in again.',
      error.retryAfter ?? DEFAULT_RETRY_SECONDS,
      options,
    );
  }
  if (code === 'AUTH' || (error.phase === 'auth' && code === null)) {
    return new UpstreamAuthError('The POP3 server refused the stored credentials.', options);
  }
  if (error.phase === 'transaction' && code === null && MESSAGE_COMMANDS.has(error.command ?? '')) {
    return new MessageNotFoundError();
  }
  return new UpstreamUnavailableError('The POP3 server refused a command.', options);
}
