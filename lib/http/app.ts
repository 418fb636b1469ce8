import type { OpenAPIHono } from '@hono/zod-openapi';
import { type AllowedMethods, createAllowedMethods } from './allowed-methods.js';
import type { AppDeps, AppEnv } from './app-env.js';
import { createRouter } from './create-router.js';
import { createErrorHandler, createNotFoundHandler } from './error-handler.js';
import { bearerAuth } from './middleware/auth.js';
import { compression } from './middleware/compression.js';
import { deadline } from './middleware/deadline.js';
import { jsonCharset } from './middleware/json-charset.js';
import { requestId } from './middleware/request-id.js';
import { accountsRouter } from './routes/accounts/accounts.index.js';
import { adminRouter } from './routes/admin/admin.index.js';
import { appendRouter } from './routes/append/append.index.js';
import { bulkRouter } from './routes/bulk/bulk.index.js';
import { downloadsRouter } from './routes/downloads/downloads.index.js';
import { mailboxWritesRouter } from './routes/mailbox-writes/mailbox-writes.index.js';
import { mailboxesRouter } from './routes/mailboxes/mailboxes.index.js';
import { messageWritesRouter } from './routes/message-writes/message-writes.index.js';
import { messagesRouter } from './routes/messages/messages.index.js';
import { mountMeta } from './routes/meta/meta.index.js';
import { syncRouter } from './routes/sync/sync.index.js';
import { threadsRouter } from './routes/threads/threads.index.js';
import { webhooksRouter } from './routes/webhooks/webhooks.index.js';

/** Feature routers, each a self-contained set of routes; new features append here. */
const FEATURE_ROUTERS = [
  accountsRouter,
  mailboxesRouter,
  messagesRouter,
  downloadsRouter,
  bulkRouter,
  messageWritesRouter,
  appendRouter,
  mailboxWritesRouter,
  syncRouter,
  threadsRouter,
  adminRouter,
  webhooksRouter,
];

/** The middleware, routers and handlers every app of the gateway shares. */
function buildApp(
  deps: AppDeps,
  routers: ReadonlyArray<OpenAPIHono<AppEnv>>,
  mount: (app: OpenAPIHono<AppEnv>) => void = () => {},
): OpenAPIHono<AppEnv> {
  const app = createRouter();

  app.use('*', requestId(deps));
  // Outside everything else, so errors and not-found answers are coded too; base64 where the runtime buffers (Lambda).
  app.use('*', compression({ base64Body: deps.config.MAILGATE_MAX_BUFFERED_BYTES !== undefined }));
  app.use('*', jsonCharset());
  // Deadline before auth: a slow credential store is covered by it too.
  app.use('/v1/*', deadline(deps.config.MAILGATE_REQUEST_TIMEOUT_MS));
  app.use('/v1/*', bearerAuth());

  for (const router of routers) app.route('/', router);
  mount(app);

  let allowedMethods: AllowedMethods | undefined;
  app.notFound(createNotFoundHandler(() => (allowedMethods ??= createAllowedMethods(app.routes))));
  app.onError(createErrorHandler());
  return app;
}

/**
 * Builds the gateway's HTTP app. It knows nothing of the runtime: the
 * Lambda and Node entry points wrap the same app with their adapters. The
 * account API is always routed and documented; without `deps.admin` it
 * answers 501 (see AppDeps.admin).
 */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  return buildApp(deps, FEATURE_ROUTERS, mountMeta);
}

/**
 * The account API alone (PUT and DELETE `/v1/accounts/{account}`,
 * `/v1/tokens`), with the same authentication, deadline and errors: the
 * app of the admin function on AWS (functions/lambda-admin.ts), the only
 * one given write access to the credential store. Anything else is 404.
 */
export function createAdminApp(
  deps: AppDeps & { admin: NonNullable<AppDeps['admin']> },
): OpenAPIHono<AppEnv> {
  return buildApp(deps, [adminRouter]);
}
