import type { MiddlewareHandler } from 'hono';
import { ForbiddenError, UnauthorizedError } from '../../mail/errors.js';
import { ADMIN_TOKEN_NO_MAIL } from '../account-access.js';
import { adminMayReach } from '../admin-access.js';
import type { AppEnv } from '../app-env.js';

const READ_METHODS = new Set(['GET', 'HEAD']);

/** RFC 6750 §2.1: the scheme is case-insensitive; b64token characters only. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Tokens are random strings well under this; anything longer is not worth a lookup. */
const MAX_TOKEN_LENGTH = 512;

/**
 * Requires a bearer token on every request it guards and puts the grant on
 * the context. A `read` token may only use safe methods, an `admin` token
 * only the account list and the account API's paths; checks that depend on the route
 * (an account outside the grant, `markSeen`, an admin token reading mail,
 * a mail token on the account API) happen where the route resolves them.
 *
 * The challenge follows RFC 6750 §3: no `error` when no credentials were
 * sent, `error="invalid_token"` when the presented token is unknown.
 * @throws UnauthorizedError, ForbiddenError
 */
export function bearerAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('Authorization');
    if (!header) {
      c.header('WWW-Authenticate', 'Bearer realm="mailgate"');
      throw new UnauthorizedError();
    }
    const match = BEARER.exec(header);
    const token = match?.[1];
    const grant =
      token && token.length <= MAX_TOKEN_LENGTH
        ? await c.get('deps').credentials.verifyToken(token)
        : undefined;
    if (!grant) {
      c.header('WWW-Authenticate', 'Bearer realm="mailgate", error="invalid_token"');
      throw new UnauthorizedError('The bearer token is not valid.');
    }
    c.set('grant', grant);
    c.get('logger').debug('authenticated', { tokenId: grant.tokenId, scope: grant.scope });
    if (grant.scope === 'read' && !READ_METHODS.has(c.req.method)) {
      throw new ForbiddenError('This token is read-only.');
    }
    // Mail routes are refused to an admin token before their query or body is read
    // (resolveAccount refuses it again, and a probe of the account).
    if (grant.scope === 'admin' && !adminMayReach(c.req.path)) throw new ForbiddenError(ADMIN_TOKEN_NO_MAIL);
    await next();
  };
}
