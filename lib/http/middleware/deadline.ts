import type { MiddlewareHandler } from 'hono';
import {
  ConnectionWaitTimeoutError,
  OAuthProviderTimeoutError,
  RequestTimeoutError,
  UpstreamTimeoutError,
} from '../../mail/errors.js';
import type { AppEnv } from '../app-env.js';

/**
 * How long after the abort the handler may still raise an error that
 * explains the deadline. Those are raised in the abort listener itself, so
 * they arrive within a few promise turns; this only bounds a handler that
 * never settles.
 */
const EXPLAIN_GRACE_MS = 50;

/** Why a request's signal was aborted, so the log can tell a timeout from a client that left. */
export class ClientGoneError extends Error {
  constructor() {
    super('The client closed the connection.');
    this.name = 'ClientGoneError';
  }
}

/**
 * Gives each request an AbortSignal that fires after `timeoutMs` or when the
 * client disconnects. Stores are opened with it and close their socket when
 * it fires. The race below answers 504 at the deadline even if a handler
 * never settles; its late result is dropped. A route may lengthen its own
 * deadline through `c.get('deadline')` before it starts the long work.
 *
 * A 504 says the mail server did not answer in time, so it is not the
 * answer when the request was still waiting on something else: the client's
 * own body (408 `request_timeout`), a free connection to the account's
 * server (503 `upstream_throttled`) or the OAuth2 provider's refresh of the
 * account's access token (504 `oauth_provider_timeout`). Whatever waits on those turns the abort
 * into its own error (see `explainsDeadline`); the deadline gives the
 * handler a moment after the abort to raise it, then answers 504 otherwise.
 *
 * For streamed downloads the deadline covers everything up to the response
 * headers (opening the store and locating the part), not the transfer: a
 * large attachment may legitimately take longer than the deadline to send,
 * and the stream's own cancel path closes the store if the client leaves.
 */
export function deadline(timeoutMs: number): MiddlewareHandler<AppEnv> {
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`deadline: timeoutMs must be a positive integer, got ${timeoutMs}`);
  }
  return async (c, next) => {
    const started = performance.now();
    const controller = new AbortController();
    c.set('signal', controller.signal);

    const clientSignal: AbortSignal | undefined = c.req.raw.signal;
    const onClientGone = () => controller.abort(new ClientGoneError());
    if (clientSignal?.aborted) onClientGone();
    else clientSignal?.addEventListener('abort', onClientGone, { once: true });

    let timer: ReturnType<typeof setTimeout> | undefined;
    let grace: ReturnType<typeof setTimeout> | undefined;
    let limitMs = timeoutMs;
    let timedOut: UpstreamTimeoutError | undefined;
    let stopWaiting: () => void = () => {};
    const passed = new Promise<void>((resolve) => {
      stopWaiting = resolve;
    });
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () => {
          timedOut = new UpstreamTimeoutError();
          controller.abort(timedOut);
          grace = setTimeout(stopWaiting, EXPLAIN_GRACE_MS);
        },
        Math.max(0, started + limitMs - performance.now()),
      );
    };
    arm();
    c.set('deadline', {
      extendTo(totalMs) {
        if (!Number.isFinite(totalMs) || totalMs <= limitMs || controller.signal.aborted) return;
        limitMs = totalMs;
        arm();
      },
    });

    const handled = next();
    // The loser of the race must not become an unhandled rejection.
    handled.catch(() => {});
    try {
      await Promise.race([handled, passed]);
    } catch (error) {
      if (timedOut === undefined) throw error;
    } finally {
      clearTimeout(timer);
      clearTimeout(grace);
    }
    // A late answer is dropped, unless it is the error that says what the request waited on.
    if (timedOut !== undefined && !explainsDeadline(c.error)) throw timedOut;
  };
}

/**
 * Whether an error raised as the deadline passed says better than 504
 * `upstream_timeout` why the request did not finish: the client's body had
 * not all arrived, no connection to the mail server was free, or the OAuth2
 * provider had not yet answered the refresh of the access token (the mail
 * server was never asked).
 */
export function explainsDeadline(error: unknown): boolean {
  return (
    error instanceof RequestTimeoutError ||
    error instanceof ConnectionWaitTimeoutError ||
    error instanceof OAuthProviderTimeoutError
  );
}
