import { z } from 'zod';
import { ConfigurationError } from '../mail/errors.js';

const booleanText = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const ORIGIN_LIST_HINT = 'must be a comma-separated list of origins such as https://mail.example.com';

/** `https://a.example, http://b.example:8025` → their origins; anything with a path, query or user is refused. */
const originList = z.string().transform((value, ctx) => {
  const origins: string[] = [];
  for (const item of value.split(',')) {
    const text = item.trim();
    if (text === '') continue;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: ORIGIN_LIST_HINT });
      return z.NEVER;
    }
    const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !bare) {
      ctx.addIssue({ code: 'custom', message: ORIGIN_LIST_HINT });
      return z.NEVER;
    }
    origins.push(url.origin);
  }
  if (origins.length === 0) {
    ctx.addIssue({ code: 'custom', message: ORIGIN_LIST_HINT });
    return z.NEVER;
  }
  return origins;
});

/** Every setting the gateway reads from the environment, parsed once. */
const envSchema = z.object({
  /** `file` (local JSON) or `secretsmanager`. */
  MAILGATE_STORE: z.enum(['file', 'secretsmanager']).default('file'),
  /** The local store; default `.mailgate/accounts.json` under the working directory. */
  MAILGATE_ACCOUNTS_FILE: z.string().min(1).optional(),
  /** Secrets Manager name prefix, e.g. `mailgate/`. */
  MAILGATE_SECRET_PREFIX: z.string().min(1).default('mailgate/'),
  /** How long a secret stays cached in memory. */
  MAILGATE_SECRET_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(300),
  /**
   * The KMS key (id, ARN or alias) secrets the admin commands and the account
   * API create are encrypted with; unset: the AWS managed `aws/secretsmanager`.
   */
  MAILGATE_SECRETS_KMS_KEY_ID: z.string().min(1).max(2048).optional(),
  /** Per-request deadline: the mail connection is closed and 504 answered when it passes. */
  MAILGATE_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(900_000).default(25_000),
  /** Largest accepted request body (message upload). */
  MAILGATE_MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(25 * 1024 * 1024),
  /** Base URL for download links (raw, attachments); defaults to this gateway's public origin. */
  MAILGATE_DOWNLOAD_BASE_URL: z.url().optional(),
  /**
   * Origins clients reach this gateway at (behind a proxy: the proxy's). Links
   * (`rawUrl`, `downloadUrl`) name a request's own origin only when it is one
   * of these, else the first, so a forged Host header never steers them.
   * Default: the local server's listening address; on Lambda, the domain
   * API Gateway reports (never the client's Host).
   */
  MAILGATE_PUBLIC_ORIGINS: originList.optional(),
  /**
   * Set where responses are buffered whole (Lambda behind API Gateway caps them at 6 MB):
   * a larger download is redirected to MAILGATE_DOWNLOAD_BASE_URL, or refused with 413, never attempted.
   */
  MAILGATE_MAX_BUFFERED_BYTES: z.coerce.number().int().min(1024).optional(),
  /**
   * Hard ceiling for any request, long polls included; set it below the
   * platform's own timeout (Lambda) so a long poll is cut short by us, not by it.
   */
  MAILGATE_MAX_REQUEST_MS: z.coerce.number().int().min(1000).optional(),
  MAILGATE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8025),
  /** Local server only: start the demo mailbox when no accounts are configured. */
  MAILGATE_DEMO: booleanText.optional(),
  /**
   * Lambda: write refreshed OAuth2 tokens (and rotated refresh tokens) back
   * to Secrets Manager; the function then needs `secretsmanager:PutSecretValue`.
   * Off by default (least privilege): tokens are kept per instance. The local
   * server always writes back to its file.
   */
  MAILGATE_OAUTH_WRITE_BACK: booleanText.optional(),
  /**
   * Lets an OAuth2 token endpoint be plain http on a loopback address
   * (tests, a local identity provider). Off by default, and never set by the
   * CDK stack: on Lambda 127.0.0.1:9001 is the Runtime API, and locally
   * other services listen on loopback, so an account document must not aim
   * a token request (with the client secret) at them.
   */
  MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP: booleanText.optional(),
  /**
   * Webhook URLs may be plain http and name loopback, private and
   * link-local addresses (the local demo). Cloud metadata addresses stay
   * refused. Off by default: any write token's holder picks the URL (SSRF).
   */
  MAILGATE_WEBHOOK_ALLOW_PRIVATE: booleanText.optional(),
  /**
   * Local server: run the webhook watcher and deliverer in-process (default
   * on). Off, the webhook routes answer 501 `unsupported_operation`.
   */
  MAILGATE_WEBHOOKS: booleanText.optional(),
  /** Local server: where the webhook store lives; default `.mailgate/webhooks` under the working directory. */
  MAILGATE_WEBHOOK_DIR: z.string().min(1).optional(),
  /** AWS: the DynamoDB table of webhooks, cursors and delivery queues (the stack sets it with webhooks on). */
  MAILGATE_WEBHOOK_TABLE: z.string().min(3).max(255).optional(),
  /** AWS: the SQS queue the delivery function is woken through (the stack sets it with webhooks on). */
  MAILGATE_WEBHOOK_QUEUE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** AWS poller: mail connections one account's mailboxes are looked at through at once (default 1: one after the other). */
  MAILGATE_WEBHOOK_ACCOUNT_CONNECTIONS: z.coerce.number().int().min(1).max(20).default(1),
});

export type Config = z.infer<typeof envSchema>;

/**
 * Parses the environment once.
 * @throws ConfigurationError naming the offending variable (never its value).
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return result.data;
}
