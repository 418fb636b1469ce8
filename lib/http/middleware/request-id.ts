import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppDeps, AppEnv } from '../app-env.js';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** An incoming id is kept only if it cannot smuggle anything into headers or logs. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Gives every request an id (the caller's, when sane, so traces join up),
 * echoes it on the response, binds it to a child logger, and writes one
 * access line per request. Only method, route path and status are logged:
 * query strings carry search terms and headers carry the bearer token.
 */
export function requestId(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const id = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const logger = deps.logger.child({ requestId: id });
    c.set('deps', deps);
    c.set('requestId', id);
    c.set('logger', logger);
    c.header(REQUEST_ID_HEADER, id);
    const started = performance.now();
    await next();
    // Responses built outside the context (e.g. the docs page) get the header here.
    if (!c.res.headers.has(REQUEST_ID_HEADER)) c.header(REQUEST_ID_HEADER, id);
    logger.info('request', {
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      durationMs: Math.round(performance.now() - started),
    });
  };
}
