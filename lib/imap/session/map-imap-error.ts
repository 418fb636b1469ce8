import {
  InvalidRequestError,
  MailboxExistsError,
  MailboxNotFoundError,
  MailgateError,
  PayloadTooLargeError,
  UpstreamAuthError,
  UpstreamThrottledError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../../mail/errors.js';
import { refusalOf } from './imap-refusal.js';

/** The fields imapflow attaches to its errors that decide the mapping (see its errors.d.ts). */
interface ImapFailure {
  code?: unknown;
  authenticationFailed?: unknown;
  serverResponseCode?: unknown;
  mailboxMissing?: unknown;
  tlsFailed?: unknown;
  throttleReset?: unknown;
  responseStatus?: unknown;
  reason?: unknown;
  message?: unknown;
}

const TIMEOUT_CODES = new Set([
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'ETIMEOUT',
  'ETIMEDOUT',
]);

/**
 * RFC 5530 response codes. UNAVAILABLE and LIMIT ask the client to come back
 * later; the authentication ones mean the credentials themselves were refused.
 */
const THROTTLE_RESPONSE_CODES = new Set(['UNAVAILABLE', 'LIMIT', 'INUSE']);
const AUTH_RESPONSE_CODES = new Set(['AUTHENTICATIONFAILED', 'AUTHORIZATIONFAILED', 'EXPIRED']);
const MISSING_RESPONSE_CODES = new Set(['NONEXISTENT', 'TRYCREATE']);
/** RFC 7889 TOOBIG; imapflow's own APPENDLIMIT check uses the capability's name as the code. */
const TOO_BIG_RESPONSE_CODES = new Set(['TOOBIG', 'APPENDLIMIT']);
/** RFC 5530 OVERQUOTA: retrying cannot help until space is freed, so it is not reported as throttling. */
const OVER_QUOTA_RESPONSE_CODE = 'OVERQUOTA';

/** Connection-limit refusals arrive as a BYE (Dovecot: "Maximum number of connections …"). */
const TOO_MANY_CONNECTIONS =
  /too many (simultaneous )?connections|maximum number of connections|connection limit/i;

const DEFAULT_RETRY_SECONDS = 30;

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** imapflow's words when the server offers no SASL mechanism the credentials fit (an OAuth2 token: XOAUTH2 or OAUTHBEARER). */
const NO_MECHANISM = 'Unsupported authentication mechanism';

/**
 * The server refused the login itself (a tagged NO/BAD to LOGIN or
 * AUTHENTICATE, or an RFC 5530 authentication code): for an OAuth2 account
 * the token may have expired or been revoked, and a refreshed one may pass.
 * Not a server that offers no mechanism for the credentials.
 */
export function isLoginRefusal(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const failure = error as ImapFailure;
  return (
    failure.authenticationFailed === true ||
    AUTH_RESPONSE_CODES.has(text(failure.serverResponseCode).toUpperCase())
  );
}

/**
 * Translates anything imapflow (or the socket under it) throws into a domain
 * error. Pure. Details are fixed sentences so no server transcript, mailbox
 * content or credential can reach a client; the original error stays in
 * `cause` for logs (a refusal's inside an ImapRefusal that carries the
 * server's words). A MailgateError passes through unchanged.
 */
export function mapImapError(error: unknown): MailgateError {
  if (error instanceof MailgateError) return error;
  const failure: ImapFailure = typeof error === 'object' && error !== null ? (error as ImapFailure) : {};
  const options = { cause: error };
  const code = text(failure.code);
  const responseCode = text(failure.serverResponseCode).toUpperCase();
  const reason = `${text(failure.reason)} ${text(failure.message)}`;

  if (code === 'ETHROTTLE') {
    const ms =
      typeof failure.throttleReset === 'number' ? failure.throttleReset : DEFAULT_RETRY_SECONDS * 1000;
    return new UpstreamThrottledError(
      'The mail server is throttling requests.',
      Math.max(1, Math.ceil(ms / 1000)),
      options,
    );
  }
  if (THROTTLE_RESPONSE_CODES.has(responseCode) || TOO_MANY_CONNECTIONS.test(reason)) {
    return new UpstreamThrottledError(
      'The mail server is busy or refused another connection.',
      DEFAULT_RETRY_SECONDS,
      options,
    );
  }
  if (isLoginRefusal(error)) {
    return new UpstreamAuthError(undefined, options);
  }
  if (text(failure.message) === NO_MECHANISM) {
    return new UpstreamAuthError(
      'The mail server offers no login mechanism for these credentials (OAuth2 needs SASL XOAUTH2 or OAUTHBEARER).',
      options,
    );
  }
  if (failure.mailboxMissing === true || code === 'NotFound' || MISSING_RESPONSE_CODES.has(responseCode)) {
    return new MailboxNotFoundError(undefined, options);
  }
  if (responseCode === 'ALREADYEXISTS') return new MailboxExistsError();
  if (responseCode === OVER_QUOTA_RESPONSE_CODE) {
    return new PayloadTooLargeError('The mailbox is over its storage quota; free space before retrying.');
  }
  if (TOO_BIG_RESPONSE_CODES.has(responseCode)) {
    return new PayloadTooLargeError('The mail server refused a message that large.');
  }
  // RFC 5530: the operation violates an invariant of the server (e.g. renaming INBOX).
  if (responseCode === 'CANNOT') {
    return new InvalidRequestError('The mail server cannot do that with this mailbox.', options);
  }
  if (TIMEOUT_CODES.has(code)) {
    return new UpstreamTimeoutError(undefined, options);
  }
  if (
    failure.tlsFailed === true ||
    code.startsWith('ERR_TLS') ||
    /CERT|SSL|TLS|SIGNATURE|VERIFY/.test(code)
  ) {
    return new UpstreamUnavailableError(
      'A secure connection to the mail server could not be established.',
      options,
    );
  }
  if (/^E[A-Z_]+$/.test(code) || code === 'NoConnection' || code === 'EConnectionClosed') {
    return new UpstreamUnavailableError(
      'The mail server could not be reached or closed the connection.',
      options,
    );
  }
  // A NO or BAD that no response code above explained: what it meant is for the caller to tell
  // from the command and the state (see writes/refusal.ts); the server's words go to the log only.
  const refusal = refusalOf(error);
  if (refusal) {
    return new UpstreamUnavailableError('The mail server refused the command.', { cause: refusal });
  }
  if (code.startsWith('Parser') || code !== '') {
    return new UpstreamUnavailableError('The mail server answered unexpectedly.', options);
  }
  return new MailgateError('internal_error', 'Unexpected failure while talking to the mail server.', options);
}
