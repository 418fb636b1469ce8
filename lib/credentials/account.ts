import { z } from 'zod';

/** Account ids: URL-safe, short, stable. */
export const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const tlsOptionsSchema = z
  .object({
    rejectUnauthorized: z.boolean().optional(),
    servername: z.string().min(1).optional(),
    /** PEM bundle trusted in addition to (or instead of) the system roots. */
    ca: z.string().min(1).optional(),
  })
  .strict();

/** `http:` is allowed only for loopback hosts (tests, a local identity provider). */
export function isAllowedEndpointUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

const endpointUrl = z
  .string()
  .max(2048)
  .refine(isAllowedEndpointUrl, { message: 'must be an https URL (http only on a loopback address)' });

/** Names an OAuth app (a client registration shared by many accounts) kept in the credential store. */
export const OAUTH_APP_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * What an OAuth app owns: an account naming the app may set none of these,
 * or its document could send the app's client secret to an endpoint (or as
 * a client) of its own choosing.
 */
export const APP_OWNED_OAUTH2_FIELDS = [
  'provider',
  'tenant',
  'clientId',
  'clientSecret',
  'tokenUrl',
  'authorizeUrl',
] as const;

/**
 * The fields of a client registration, shared by an account's `oauth2` (where
 * all are optional) and an OAuth app (which must name provider and client id).
 */
const oauthClientFields = {
  provider: z.enum(['google', 'microsoft', 'custom']),
  /** Microsoft: the directory (tenant) id or `common`, `organizations`, `consumers`. */
  tenant: z
    .string()
    .regex(/^[A-Za-z0-9.-]{1,128}$/)
    .optional(),
  clientId: z.string().min(1).max(512),
  clientSecret: z.string().min(1).max(4096).optional(),
  tokenUrl: endpointUrl.optional(),
  authorizeUrl: endpointUrl.optional(),
  scopes: z.array(z.string().min(1).max(512)).max(32).optional(),
};

/**
 * The rules of a client registration: provider `custom` needs `tokenUrl`
 * (unless `fromApp`: an OAuth app supplies the client), and `tenant` is for
 * provider `microsoft` only.
 */
function refineClient(
  client: { provider?: string | undefined; tenant?: string | undefined; tokenUrl?: string | undefined },
  ctx: z.RefinementCtx,
  fromApp = false,
): void {
  if (client.provider === 'custom' && client.tokenUrl === undefined && !fromApp) {
    ctx.addIssue({ code: 'custom', path: ['tokenUrl'], message: 'provider "custom" needs tokenUrl' });
  }
  if (client.tenant !== undefined && client.provider !== undefined && client.provider !== 'microsoft') {
    ctx.addIssue({
      code: 'custom',
      path: ['tenant'],
      message: 'tenant applies to provider "microsoft" only',
    });
  }
}

/**
 * OAuth2 credentials of an account. With a `refreshToken` the gateway keeps
 * the access token fresh itself; `accessToken` alone is a token someone else
 * refreshes (it stops working when it expires). `provider` fixes the
 * endpoints for `google` and `microsoft` (with `tenant`, default `common`);
 * `custom` needs `tokenUrl`. Alternatively `app` names an OAuth app, so one
 * registration serves every account: the app then supplies the whole client
 * (provider, tenant, client id and secret, endpoints), and the account holds
 * only its tokens and, optionally, its scopes.
 */
export const oauth2Schema = z
  .object({
    provider: oauthClientFields.provider.optional(),
    tenant: oauthClientFields.tenant,
    /** An OAuth app stored next to the accounts: supplies what this document leaves out. */
    app: z.string().regex(OAUTH_APP_NAME_PATTERN).optional(),
    clientId: oauthClientFields.clientId.optional(),
    clientSecret: oauthClientFields.clientSecret,
    refreshToken: z.string().min(1).max(8192).optional(),
    tokenUrl: oauthClientFields.tokenUrl,
    authorizeUrl: oauthClientFields.authorizeUrl,
    scopes: oauthClientFields.scopes,
    accessToken: z.string().min(1).max(16_384).optional(),
    /** When `accessToken` expires (ISO 8601). */
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.app !== undefined) {
      for (const field of APP_OWNED_OAUTH2_FIELDS) {
        if (value[field] === undefined) continue;
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: 'comes from the OAuth app named by "app": leave it out, or leave out "app"',
        });
      }
    }
    if (value.refreshToken === undefined) {
      if (value.accessToken === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['refreshToken'],
          message: 'refreshToken or accessToken is required',
        });
      }
      return;
    }
    if (value.provider === undefined && value.app === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['provider'],
        message: 'provider (or app) is required with refreshToken',
      });
    }
    if (value.clientId === undefined && value.app === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['clientId'],
        message: 'clientId (or app) is required with refreshToken',
      });
    }
    refineClient(value, ctx, value.app !== undefined);
  });

export type OAuth2Credentials = z.infer<typeof oauth2Schema>;

/**
 * An OAuth app: one client registration at a provider, shared by the
 * accounts that name it in `oauth2.app`. Stored with the accounts (the
 * client secret is a secret), never returned by the API.
 */
export const oauthAppSchema = z
  .object(oauthClientFields)
  .strict()
  .superRefine((value, ctx) => refineClient(value, ctx));

export type OAuthApp = z.infer<typeof oauthAppSchema>;

/** The stored account document, exactly as API.md "Stored accounts" describes it. */
export const accountDocumentSchema = z
  .object({
    protocol: z.enum(['imap', 'pop3']),
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65535),
    tls: z.enum(['implicit', 'starttls', 'none']),
    user: z.string().min(1),
    password: z.string().min(1).optional(),
    oauth2: oauth2Schema.optional(),
    tlsOptions: tlsOptionsSchema.optional(),
    allowPlaintext: z.boolean().optional(),
    /**
     * IMAP: send ID (RFC 2971) at login. Off by default, which saves round
     * trips; some providers require a client to identify itself.
     */
    sendId: z.boolean().optional(),
  })
  .strict()
  .superRefine((doc, ctx) => {
    if ((doc.password === undefined) === (doc.oauth2 === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['password'],
        message: 'exactly one of password or oauth2 is required',
      });
    }
    if (doc.tls === 'none' && doc.allowPlaintext !== true) {
      ctx.addIssue({
        code: 'custom',
        path: ['tls'],
        message: 'tls "none" sends credentials in clear text; it needs allowPlaintext: true',
      });
    }
  });

export type AccountDocument = z.infer<typeof accountDocumentSchema>;

/** An account as the gateway uses it: the stored document plus its id. */
export interface Account extends AccountDocument {
  id: string;
}
