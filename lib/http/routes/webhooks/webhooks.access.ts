import type { Context, MiddlewareHandler } from 'hono';
import { ForbiddenError, UnsupportedOperationError } from '../../../mail/errors.js';
import type { AppEnv, WebhookDeps } from '../../app-env.js';

export const WEBHOOKS_NEED_WRITE =
  "Webhooks need a write token: their URLs may carry the receivers' own credentials.";

const NO_WEBHOOKS =
  'This server does not run webhooks (on the local server, MAILGATE_WEBHOOKS is off; on AWS, the ' +
  'deployment was made without webhooks).';

/**
 * The first middleware of every webhook route, before its parameters and
 * body are read: a token without the write scope gets 403 (GET included),
 * and a server without a webhook store 501 `unsupported_operation`.
 * @throws ForbiddenError, UnsupportedOperationError
 */
export function requireWebhooks(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.get('grant').scope !== 'write') throw new ForbiddenError(WEBHOOKS_NEED_WRITE);
    webhookDeps(c);
    await next();
  };
}

/**
 * @throws UnsupportedOperationError when this server runs no webhooks.
 */
export function webhookDeps(c: Context<AppEnv>): WebhookDeps {
  const deps = c.get('deps').webhooks;
  if (deps === undefined) throw new UnsupportedOperationError(NO_WEBHOOKS);
  return deps;
}
