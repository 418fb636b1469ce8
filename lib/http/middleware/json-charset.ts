import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';

/**
 * The API promises `application/json; charset=utf-8`. JSON is UTF-8 anyway
 * (RFC 8259 §8.1), but some clients decode bodies without a charset as Latin-1.
 */
export function jsonCharset(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (c.res.headers.get('Content-Type') === 'application/json') {
      c.header('Content-Type', 'application/json; charset=utf-8');
    }
  };
}
