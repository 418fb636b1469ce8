import type { MiddlewareHandler } from 'hono';
import { UpstreamTimeoutError } from '../../mail/errors.js';
import type { AppEnv } from '../app-env.js';

/** Why a request's signal was aborted, so the log can tell a timeout from a client that left. */
export class ClientGoneError extends Error {
  constructor() {
    super('The client closed the connection.');
    this.name = 'ClientGoneError';
  }
}

/** A request's deadline as the handler sees it. */
export interface RequestDeadline {
  /**
   * Moves the deadline to `totalMs` after the request arrived, if that is
   * later than it is now; never earlier. For routes whose work legitimately
   * outlasts the default, such as a long poll whose length the client picks.
   */
  extendTo(totalMs: number): void;
}

/**
 * Gives each request an AbortSignal that fires after `timeoutMs` or when the
 * client disconnects. Stores are opened with it and close their socket when
 * it fires. The race below answers 504 at the deadline even if a handler
 * never settles; its late result is dropped. A route may lengthen its own
 * deadline through `c.get('deadline')` before it starts the long work.
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
    let limitMs = timeoutMs;
    let expire: (error: UpstreamTimeoutError) => void = () => {};
    const expired = new Promise<never>((_, reject) => {
      expire = reject;
    });
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () => {
          const error = new UpstreamTimeoutError();
          controller.abort(error);
          expire(error);
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
    expired.catch(() => {});
    try {
      await Promise.race([handled, expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}
