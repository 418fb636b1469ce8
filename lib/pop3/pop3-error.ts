/**
 * Failures inside the POP3 client before they are mapped to domain errors.
 * They never hold credentials: only the command verb, the RFC 2449 response
 * code, what went wrong and, for a -ERR, the server's own words
 * (`responseText`), which no domain error's detail repeats; only the account
 * API's `?verify=true` quotes them, sanitised, to whoever sent the account.
 */

export type Pop3FailureKind =
  /** The server answered -ERR. */
  | 'rejected'
  /** A deadline passed (greeting, connect or command). */
  | 'timeout'
  /** The session's AbortSignal fired. */
  | 'aborted'
  /** The socket closed or errored before the response was complete. */
  | 'closed'
  /** TCP connect or TLS handshake failed. */
  | 'connect'
  /** The account requires STLS and the server does not offer it. */
  | 'tls_unavailable'
  /** The server sent something that is not POP3. */
  | 'protocol'
  /** An answer was longer than the client reads for it (a buffered body over its cap). */
  | 'too_large';

export type Pop3Phase = 'connect' | 'greeting' | 'tls' | 'auth' | 'transaction';

export class Pop3Error extends Error {
  readonly kind: Pop3FailureKind;
  readonly phase: Pop3Phase;
  /** The command verb (e.g. "PASS"), never its arguments. */
  readonly command: string | null;
  /** RFC 2449 response code of a -ERR answer, upper case. */
  readonly responseCode: string | null;
  /** Seconds to wait before retrying, when the server told us (LOGIN-DELAY in CAPA). */
  readonly retryAfter: number | null;
  /** A -ERR's text after the response code, control characters replaced and at most 200 characters. */
  readonly responseText: string | null;

  constructor(
    kind: Pop3FailureKind,
    message: string,
    details: {
      phase: Pop3Phase;
      command?: string | null;
      responseCode?: string | null;
      retryAfter?: number | null;
      responseText?: string | null;
      cause?: unknown;
    },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'Pop3Error';
    this.kind = kind;
    this.phase = details.phase;
    this.command = details.command ?? null;
    this.responseCode = details.responseCode ?? null;
    this.retryAfter = details.retryAfter ?? null;
    this.responseText =
      typeof details.responseText === 'string'
        ? details.responseText.replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, 200)
        : null;
  }
}
