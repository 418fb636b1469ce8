import type { Config } from '../config/env.js';
import type { Account } from '../credentials/account.js';
import type {
  AdminCredentialStore,
  CredentialStore,
  OAuth2TokenUpdate,
  TokenGrant,
} from '../credentials/store.js';
import type { Logger } from '../mail/logger.js';
import type { MailStore, MailStoreFactory, StoreContext } from '../mail/store.js';
import type { OAuthTokenHolder } from '../oauth2/access-token-source.js';
import type { WebhookRepository } from '../webhooks/repository.js';
import type { Resolver } from '../webhooks/url-guard.js';

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
   * How the account API logs in to verify a document before storing it
   * (`?verify=true`): a path of its own, apart from the mail routes' stores.
   * Absent, `?verify=true` answers 501 `unsupported_operation`.
   */
  verifier?: AccountVerifier;
  /**
   * The OAuth2 token manager of the mail routes, for the account API: a
   * removed account's tokens (a rotated refresh token among them) are
   * forgotten. Absent: nothing is forgotten.
   */
  oauthTokens?: Pick<OAuthTokenHolder, 'forget'>;
  /**
   * The webhook subscriptions' store and what to tell the parts that act on
   * them. Absent, the webhook routes answer 501 `unsupported_operation`.
   */
  webhooks?: WebhookDeps;
}

/**
 * What the webhook routes need. The request path stays stateless: it only
 * writes the store and tells the watching side (in-process on the local
 * server, queue and scheduled functions on AWS) that something changed.
 */
export interface WebhookDeps {
  repository: WebhookRepository;
  /** MAILGATE_WEBHOOK_ALLOW_PRIVATE: the URL rules the routes check at create and update. */
  allowPrivate: boolean;
  /** Name resolution for those checks (tests inject one); default the system resolver. */
  resolve?: Resolver;
  /**
   * Called after a route changed a webhook (`created`, `updated`,
   * `deleted`) or queued an event for it (`queued`: the test ping), once
   * the store has it. Local: wakes the watcher and the deliverer. AWS:
   * sends the queued events to the delivery queue. A failure here is
   * logged, never the request's: the store already holds the change and
   * the watching side finds it on its next round.
   */
  changed?(webhookId: string, what: WebhookChange): Promise<void> | void;
}

export type WebhookChange = 'created' | 'updated' | 'deleted' | 'queued';

/**
 * Logs in with account documents that are not stored yet, each through a
 * login path of its own: no kept (pooled) connection, and an OAuth2 token
 * manager of its own that starts empty, writes nothing back and is dropped
 * afterwards. So nothing the mail routes hold for the account id answers
 * for the document, and nothing the verification refreshes reaches them.
 * The entry points build it (lib/local, lib/lambda), with the same
 * MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP as the mail routes.
 */
export interface AccountVerifier {
  open(account: Account, context: StoreContext): VerificationLogin;
}

/** One verifying login (see AccountVerifier). */
export interface VerificationLogin {
  /** The store to log in with; its caller closes it. */
  store: MailStore;
  /**
   * After the login: what its token manager holds beyond the document, the
   * access token it refreshed and a refresh token the provider rotated
   * (OAuth2TokenManager.held). Undefined when nothing was refreshed.
   */
  tokens(): OAuth2TokenUpdate | undefined;
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
