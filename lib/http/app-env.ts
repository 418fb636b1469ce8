import type { Config } from '../config/env.js';
import type { AdminCredentialStore, CredentialStore, TokenGrant } from '../credentials/store.js';
import type { Logger } from '../mail/logger.js';
import type { MailStoreFactory } from '../mail/store.js';
import type { OAuthTokenHolder } from '../oauth2/access-token-source.js';

/** Everything the HTTP layer needs from the outside; the entry points in functions/ build it. */
export interface AppDeps {
  credentials: CredentialStore;
  /**
   * The write side of the credential store, for the account API (`admin`
   * tokens). Absent, those routes answer 501 `unsupported_operation`: on AWS
   * the mail API function holds no write access, and API Gateway sends the
   * account API to a function of its own (functions/lambda-admin.ts).
   */
  admin?: AdminCredentialStore;
  stores: MailStoreFactory;
  config: Config;
  logger: Logger;
  /**
   * The origins this process is reached at, for links (see
   * MAILGATE_PUBLIC_ORIGINS, which takes precedence): the Node server passes
   * its listening address. Absent, links name the request's own origin,
   * which only a platform that sets it from its own domain may allow
   * (Lambda behind API Gateway); over plain Node that is the client's Host.
   */
  publicOrigins?: () => readonly string[];
  /**
   * The OAuth2 tokens this process refreshed, for the account API: an account
   * verified before it is stored is verified without a cached token and
   * stored with what its login left (a rotated refresh token would otherwise
   * be lost); a failed verification and a removed account are forgotten.
   * Absent: nothing is added or forgotten.
   */
  oauthTokens?: OAuthTokenHolder;
}

/** A request's deadline as the handler sees it (set by middleware/deadline.ts). */
export interface RequestDeadline {
  /**
   * Moves the deadline to `totalMs` after the request arrived, if that is
   * later than it is now; never earlier. For routes whose work legitimately
   * outlasts the default, such as a long poll whose length the client picks.
   */
  extendTo(totalMs: number): void;
}

/** Per-request values the middleware puts on the context. */
export interface AppVariables {
  deps: AppDeps;
  requestId: string;
  /** The root logger's child carrying the request id. */
  logger: Logger;
  /** Aborted at the request's deadline or when the client goes away. */
  signal: AbortSignal;
  /** The request's deadline, which a route may lengthen (a long poll). */
  deadline: RequestDeadline;
  /** Set by the auth middleware on every /v1 request that reaches a handler. */
  grant: TokenGrant;
  /** The account the request resolved, once access to it was checked. */
  accountId: string;
}

export interface AppEnv {
  Variables: AppVariables;
}
