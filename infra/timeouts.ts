/**
 * How long each layer may wait, from the outside in. A stalled mail server
 * must end in our own 504 problem response, so every outer layer gives up
 * strictly later than the one inside it:
 *
 *   front door (API Gateway integration) ≥ Lambda timeout > request deadline > mail socket timeouts
 *
 * Only the deadline travels in the environment (MAILGATE_REQUEST_TIMEOUT_MS).
 * Every deadline planned here exceeds the mail adapters' connect and greeting
 * timeouts, so an unreachable server is reported as such; a session that
 * stalls later is cut by the deadline, which closes its socket and answers
 * 504 `upstream_timeout` while the function still has time to send it.
 */

/** The IMAP and POP3 adapters' connect and greeting timeouts (lib/imap/session/client-options.ts). */
export const MAIL_CONNECT_TIMEOUT_MS = 10_000;

/** Shortest function timeout whose deadline still exceeds MAIL_CONNECT_TIMEOUT_MS. */
export const MIN_TIMEOUT_SECONDS = 15;

/** The longest integration timeout HTTP API accepts (CDK enforces 29 s; the service hard limit is 30 s). A longer wait ends in a platform 503 page. */
export const HTTP_API_MAX_INTEGRATION_SECONDS = 29;

/** Lambda's own cap on a function timeout. */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

export interface TimeoutPlan {
  /** The function's timeout. */
  lambdaTimeoutSeconds: number;
  /** MAILGATE_REQUEST_TIMEOUT_MS: when the request's mail session is closed and 504 answered. */
  requestDeadlineMs: number;
  /** API Gateway's integration timeout, where a front door with one sits before the function. */
  integrationTimeoutSeconds?: number;
}

/**
 * Time left between the deadline and the Lambda timeout for closing the
 * session, writing the problem response and flushing logs: a tenth of the
 * timeout, at least two seconds.
 */
export function deadlineMarginMs(lambdaTimeoutSeconds: number): number {
  return Math.max(2000, Math.round(lambdaTimeoutSeconds * 100));
}

/**
 * Plans the timeouts of the buffered JSON function behind HTTP API.
 * @throws RangeError when the timeout cannot fit under API Gateway's 30 s cap with a usable deadline.
 */
export function planApiTimeouts(lambdaTimeoutSeconds: number): TimeoutPlan {
  // The integration must outlast the function by at least a second, so the function can never be cut off by the front door.
  const maxTimeout = HTTP_API_MAX_INTEGRATION_SECONDS - 1;
  if (
    !Number.isInteger(lambdaTimeoutSeconds) ||
    lambdaTimeoutSeconds < MIN_TIMEOUT_SECONDS ||
    lambdaTimeoutSeconds > maxTimeout
  ) {
    throw new RangeError(
      `the API function timeout must be a whole number of seconds from ${MIN_TIMEOUT_SECONDS} to ${maxTimeout}: API Gateway ends every integration at ${HTTP_API_MAX_INTEGRATION_SECONDS} s (got ${lambdaTimeoutSeconds})`,
    );
  }
  return {
    lambdaTimeoutSeconds,
    requestDeadlineMs: lambdaTimeoutSeconds * 1000 - deadlineMarginMs(lambdaTimeoutSeconds),
    integrationTimeoutSeconds: lambdaTimeoutSeconds + 1,
  };
}

/**
 * Plans the timeouts of the streaming download function behind its Function
 * URL, which has no integration cap of its own: only Lambda's 15 minutes.
 * @throws RangeError for a timeout outside 15 s – 15 min.
 */
export function planStreamTimeouts(lambdaTimeoutSeconds: number): TimeoutPlan {
  if (
    !Number.isInteger(lambdaTimeoutSeconds) ||
    lambdaTimeoutSeconds < MIN_TIMEOUT_SECONDS ||
    lambdaTimeoutSeconds > LAMBDA_MAX_TIMEOUT_SECONDS
  ) {
    throw new RangeError(
      `the download function timeout must be a whole number of seconds from ${MIN_TIMEOUT_SECONDS} to ${LAMBDA_MAX_TIMEOUT_SECONDS} (got ${lambdaTimeoutSeconds})`,
    );
  }
  return {
    lambdaTimeoutSeconds,
    requestDeadlineMs: lambdaTimeoutSeconds * 1000 - deadlineMarginMs(lambdaTimeoutSeconds),
  };
}
