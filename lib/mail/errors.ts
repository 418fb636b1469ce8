/**
 * Domain errors. Each carries a stable snake_case `code` (the API's error
 * codes) and never an HTTP status: lib/http maps codes to statuses in one place.
 * `detail` is safe to show a client; `cause` is for logs only.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'account_not_found'
  | 'mailbox_not_found'
  | 'message_not_found'
  | 'attachment_not_found'
  | 'thread_not_found'
  | 'method_not_allowed'
  | 'request_timeout'
  | 'mailbox_exists'
  | 'stale_message_id'
  | 'state_expired'
  | 'payload_too_large'
  | 'headers_too_large'
  | 'unsupported_media_type'
  | 'unsupported_operation'
  | 'upstream_auth_failed'
  | 'upstream_unavailable'
  | 'upstream_throttled'
  | 'upstream_timeout'
  | 'oauth_provider_unavailable'
  | 'oauth_provider_timeout'
  | 'verification_failed'
  | 'token_not_found'
  | 'webhook_not_found'
  | 'webhook_limit_reached'
  | 'internal_error';

export class MailgateError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;

  constructor(code: ErrorCode, detail: string, options?: { cause?: unknown }) {
    super(detail, options);
    this.name = 'MailgateError';
    this.code = code;
    this.detail = detail;
  }
}

export class InvalidRequestError extends MailgateError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('invalid_request', detail, options);
    this.name = 'InvalidRequestError';
  }
}

export class UnauthorizedError extends MailgateError {
  constructor(detail = 'A valid bearer token is required.') {
    super('unauthorized', detail);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends MailgateError {
  constructor(detail = 'This token does not allow that operation.') {
    super('forbidden', detail);
    this.name = 'ForbiddenError';
  }
}

export class AccountNotFoundError extends MailgateError {
  constructor(detail = 'No such account.') {
    super('account_not_found', detail);
    this.name = 'AccountNotFoundError';
  }
}

export class MailboxNotFoundError extends MailgateError {
  constructor(detail = 'No such mailbox.', options?: { cause?: unknown }) {
    super('mailbox_not_found', detail, options);
    this.name = 'MailboxNotFoundError';
  }
}

export class MessageNotFoundError extends MailgateError {
  constructor(detail = 'No such message.', options?: { cause?: unknown }) {
    super('message_not_found', detail, options);
    this.name = 'MessageNotFoundError';
  }
}

/** No thread of that id in the mailbox (unknown, malformed, or its first message is gone: they look alike). */
export class ThreadNotFoundError extends MailgateError {
  constructor(detail = 'No such thread in this mailbox.') {
    super('thread_not_found', detail);
    this.name = 'ThreadNotFoundError';
  }
}

export class AttachmentNotFoundError extends MailgateError {
  constructor(detail = 'No such attachment in this message.') {
    super('attachment_not_found', detail);
    this.name = 'AttachmentNotFoundError';
  }
}

export class MailboxExistsError extends MailgateError {
  constructor(detail = 'A mailbox with that path already exists.') {
    super('mailbox_exists', detail);
    this.name = 'MailboxExistsError';
  }
}

export class StaleMessageIdError extends MailgateError {
  constructor(
    detail = 'The mailbox was recreated (UIDVALIDITY changed); this message id no longer applies.',
  ) {
    super('stale_message_id', detail);
    this.name = 'StaleMessageIdError';
  }
}

export class StateExpiredError extends MailgateError {
  constructor(detail = 'Changes since that state cannot be computed; resynchronise.') {
    super('state_expired', detail);
    this.name = 'StateExpiredError';
  }
}

export class PayloadTooLargeError extends MailgateError {
  constructor(detail: string) {
    super('payload_too_large', detail);
    this.name = 'PayloadTooLargeError';
  }
}

export class UnsupportedOperationError extends MailgateError {
  constructor(detail: string) {
    super('unsupported_operation', detail);
    this.name = 'UnsupportedOperationError';
  }
}

export class UpstreamAuthError extends MailgateError {
  constructor(detail = 'The mail server refused the stored credentials.', options?: { cause?: unknown }) {
    super('upstream_auth_failed', detail, options);
    this.name = 'UpstreamAuthError';
  }
}

export class UpstreamUnavailableError extends MailgateError {
  constructor(
    detail = 'The mail server could not be reached or answered unexpectedly.',
    options?: { cause?: unknown },
  ) {
    super('upstream_unavailable', detail, options);
    this.name = 'UpstreamUnavailableError';
  }
}

export class UpstreamThrottledError extends MailgateError {
  /** Seconds the client should wait before retrying. */
  readonly retryAfter: number;

  constructor(
    detail = 'The mail server asked us to back off.',
    retryAfter = 30,
    options?: { cause?: unknown },
  ) {
    super('upstream_throttled', detail, options);
    this.name = 'UpstreamThrottledError';
    this.retryAfter = retryAfter;
  }
}

/**
 * Every connection the gateway may hold to the account's mail server stayed
 * busy with other requests until this one's deadline: the server was never
 * asked, so this is not a timeout of the server (504) but a busy gateway.
 * The pool raises it when the request's signal aborts while it still waits
 * for a slot.
 */
export class ConnectionWaitTimeoutError extends UpstreamThrottledError {
  constructor(
    detail = "Every connection to this account's mail server was busy with other requests until the deadline; retry shortly.",
    retryAfter = 2,
    options?: { cause?: unknown },
  ) {
    super(detail, retryAfter, options);
    this.name = 'ConnectionWaitTimeoutError';
  }
}

/** The client did not send its whole request body before the request deadline (408, RFC 9110 §15.5.9). */
export class RequestTimeoutError extends MailgateError {
  constructor(
    detail = 'The request body did not arrive before the deadline.',
    options?: { cause?: unknown },
  ) {
    super('request_timeout', detail, options);
    this.name = 'RequestTimeoutError';
  }
}

/**
 * The OAuth2 provider's token endpoint failed (5xx, an unreadable answer, a
 * refused connection) while the gateway refreshed an account's access token.
 * Distinct from `upstream_auth_failed`: nothing says the grant is gone.
 */
export class OAuthProviderUnavailableError extends MailgateError {
  constructor(
    detail = "The OAuth2 provider's token endpoint failed; the access token could not be refreshed. Retry later.",
    options?: { cause?: unknown },
  ) {
    super('oauth_provider_unavailable', detail, options);
    this.name = 'OAuthProviderUnavailableError';
  }
}

/** The OAuth2 provider's token endpoint did not answer in time. */
export class OAuthProviderTimeoutError extends MailgateError {
  /** The request's own deadline passed while its account's access token was being refreshed. */
  static pastDeadline(options?: { cause?: unknown }): OAuthProviderTimeoutError {
    return new OAuthProviderTimeoutError(
      "The request's deadline passed while the OAuth2 access token was being refreshed.",
      options,
    );
  }

  constructor(
    detail = "The OAuth2 provider's token endpoint did not answer in time; the access token could not be refreshed.",
    options?: { cause?: unknown },
  ) {
    super('oauth_provider_timeout', detail, options);
    this.name = 'OAuthProviderTimeoutError';
  }
}

/** `?verify=true`: the mail server refused the account about to be stored; nothing was stored. */
export class VerificationFailedError extends MailgateError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('verification_failed', detail, options);
    this.name = 'VerificationFailedError';
  }
}

export class TokenNotFoundError extends MailgateError {
  constructor(detail = 'No such token.') {
    super('token_not_found', detail);
    this.name = 'TokenNotFoundError';
  }
}

/** No webhook of that id for this account (unknown, malformed, or another account's: they look alike). */
export class WebhookNotFoundError extends MailgateError {
  constructor(detail = 'No such webhook.') {
    super('webhook_not_found', detail);
    this.name = 'WebhookNotFoundError';
  }
}

/** The account already has as many webhooks as one account may; nothing was stored. */
export class WebhookLimitError extends MailgateError {
  constructor(detail: string) {
    super('webhook_limit_reached', detail);
    this.name = 'WebhookLimitError';
  }
}

export class UpstreamTimeoutError extends MailgateError {
  constructor(detail = 'The mail server did not answer in time.', options?: { cause?: unknown }) {
    super('upstream_timeout', detail, options);
    this.name = 'UpstreamTimeoutError';
  }
}

/**
 * A stored account document or a setting is malformed. The detail names the
 * account and the field, never a value (it may be a secret).
 */
export class ConfigurationError extends MailgateError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('internal_error', detail, options);
    this.name = 'ConfigurationError';
  }
}

/**
 * A stored account that this deployment's settings forbid using as it is
 * (e.g. an OAuth2 token endpoint on plain http while
 * MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP is off). Still `internal_error` (500:
 * the operator fixes it, not the client), but its detail is written to be
 * shown: it names the account and the setting or field, never a value.
 */
export class AccountConfigurationError extends ConfigurationError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(detail, options);
    this.name = 'AccountConfigurationError';
  }
}

export function isMailgateError(value: unknown): value is MailgateError {
  return value instanceof MailgateError;
}
