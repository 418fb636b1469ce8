import { z } from '@hono/zod-openapi';
import { ACCOUNT_ID_PATTERN, accountDocumentSchema } from '../../credentials/account.js';
import { TOKEN_SCOPES } from '../../credentials/store.js';
import { queryBoolean } from '../input-limits.js';
import { STORED_ACCOUNT_EXAMPLE } from './examples.js';

/**
 * The account API's schemas: what an admin token sends and gets back.
 * Nothing here echoes a secret: the answers are built field by field from
 * the document (lib/http/routes/admin/account-summary.ts), never spread.
 */

/** A stored token or an account document must fit one Secrets Manager secret (64 KiB). */
export const ADMIN_BODY_LIMIT_BYTES = 64 * 1024;

/** A token names at most this many accounts (its record must fit one secret, too). */
export const MAX_TOKEN_ACCOUNTS = 500;

const accountId = z
  .string()
  .regex(ACCOUNT_ID_PATTERN, {
    message: 'must be 1–64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit',
  })
  .openapi({ example: 'alice' });

export const putAccountParams = z.object({
  account: accountId.openapi({
    param: { name: 'account', in: 'path' },
    description: 'The account id: 1–64 characters of `A-Z a-z 0-9 . _ -`, starting with a letter or digit.',
  }),
});

/** Any text: an id that cannot exist is simply not found. */
export const deleteAccountParams = z.object({
  account: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'account', in: 'path' }, example: 'alice' }),
});

export const putAccountQuery = z.object({
  verify: queryBoolean.optional().openapi({
    description:
      'Log in to the mail server once with this document before storing it (an OAuth2 account ' +
      'first gets an access token from its refresh token). A refused login answers 422 ' +
      '`verification_failed` with the server’s own words; any failure stores nothing.',
  }),
});

const PASSWORD_EXAMPLE = {
  protocol: 'imap',
  host: 'imap.example.com',
  port: 993,
  tls: 'implicit',
  user: 'alice@example.com',
  password: 'app-password-from-the-provider',
};

const OAUTH2_EXAMPLE = {
  protocol: 'imap',
  host: 'outlook.office365.com',
  port: 993,
  tls: 'implicit',
  user: 'alice@contoso.com',
  oauth2: {
    provider: 'microsoft',
    tenant: 'contoso.onmicrosoft.com',
    clientId: '00000000-0000-0000-0000-000000000000',
    refreshToken: '0.AXoA…',
  },
};

/**
 * `.meta`, not `.openapi`: the schema is built in lib/credentials, possibly
 * before @hono/zod-openapi extends zod, and zod 4 gives a schema its methods
 * when it is built. The generator reads the `id` as the component name.
 */
export const accountDocumentBody = accountDocumentSchema.meta({
  id: 'AccountDocument',
  description:
    'The stored account: where the server is and how to log in, with exactly one of `password` and ' +
    '`oauth2`. Unknown keys are refused. An `oauth2` object with a `refreshToken` lets the gateway ' +
    'keep the access token fresh. With `app` naming a stored OAuth app, the app supplies the whole client: ' +
    '`provider`, `tenant`, `clientId`, `clientSecret`, `tokenUrl` and `authorizeUrl` are then refused.',
  example: PASSWORD_EXAMPLE,
});

export const accountDocumentExamples = {
  password: { summary: 'IMAP with a password', value: PASSWORD_EXAMPLE },
  oauth2: { summary: 'Microsoft 365 with an OAuth2 refresh token', value: OAUTH2_EXAMPLE },
};

const serverSchema = z.object({ name: z.string().nullable(), capabilities: z.array(z.string()) });

export const storedAccountSchema = z
  .object({
    id: z.string(),
    protocol: z.enum(['imap', 'pop3']),
    host: z.string(),
    port: z.number().int(),
    tls: z.enum(['implicit', 'starttls', 'none']),
    user: z.string(),
    auth: z.enum(['password', 'oauth2']).openapi({ description: 'How the gateway logs in.' }),
    oauth2: z
      .object({
        provider: z.enum(['google', 'microsoft', 'custom']).optional(),
        tenant: z.string().optional(),
        app: z.string().optional(),
        clientId: z.string().optional(),
        scopes: z.array(z.string()).optional(),
        refreshable: z.boolean().openapi({
          description: 'A refresh token is stored: the gateway renews the access token itself.',
        }),
      })
      .optional()
      .openapi({ description: 'Only for OAuth2 accounts: the client, never a token or secret.' }),
    verified: z.boolean().openapi({ description: 'The login was tried and accepted (`verify=true`).' }),
    server: serverSchema
      .optional()
      .openapi({ description: 'Only with `verify=true`: the server as it describes itself.' }),
  })
  .openapi('StoredAccount', {
    description:
      'What was stored, without any secret: no password, access or refresh token, or client secret.',
    example: STORED_ACCOUNT_EXAMPLE,
  });

const tokenAccounts = z.union([z.literal('*'), z.array(accountId).min(1).max(MAX_TOKEN_ACCOUNTS)]).openapi({
  description: 'The account ids the token grants, or `"*"` for every account, present and future.',
  example: ['alice'],
});

export const createTokenBody = z
  .object({
    accounts: tokenAccounts,
    scope: z
      .enum(['read', 'write'], {
        error: 'must be "read" or "write"; admin tokens are created with the CLI only',
      })
      .openapi({
        description:
          '`read`: GET on the granted accounts’ mail; `write`: every mail route. An admin token cannot ' +
          'mint admin tokens: they come from `mailgate token create --scope admin` only.',
      }),
    label: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[^\p{Cc}]*$/u, { message: 'must not contain control characters' })
      .optional()
      // The generator writes the regex's `u` flag into the pattern (`…$/u`); a JSON Schema pattern is unicode already.
      .openapi({
        description: 'A note for whoever lists the tokens.',
        example: 'alice phone app',
        pattern: '^[^\\p{Cc}]*$',
      }),
  })
  .strict()
  .openapi('TokenRequest', { example: { accounts: ['alice'], scope: 'read', label: 'alice phone app' } });

export const tokenSchema = z
  .object({
    id: z.string().openapi({ description: 'The token id (public): names the token to revoke.' }),
    scope: z.enum(TOKEN_SCOPES),
    accounts: z.union([z.literal('*'), z.array(z.string())]),
    label: z.string().nullable(),
    createdAt: z.string().openapi({ description: 'ISO 8601.', example: '2026-11-02T09:00:00.000Z' }),
  })
  .openapi('Token', {
    description: 'A stored token: its grant, never the token or its hash.',
    example: {
      id: 'k3v9q2m7x1ab',
      scope: 'read',
      accounts: ['alice'],
      label: 'alice phone app',
      createdAt: '2026-11-02T09:00:00.000Z',
    },
  });

export const createdTokenSchema = tokenSchema
  .extend({
    token: z.string().openapi({
      description: 'The bearer token. Shown this once: only its hash is stored.',
    }),
  })
  .openapi('CreatedToken', {
    example: {
      id: 'k3v9q2m7x1ab',
      token: 'mg_k3v9q2m7x1ab_7yK1c2VvZ3h0LXNlY3JldC1ub3QtYS1yZWFsLXRva2V',
      scope: 'read',
      accounts: ['alice'],
      label: 'alice phone app',
      createdAt: '2026-11-02T09:00:00.000Z',
    },
  });

export const tokenListSchema = z.object({ tokens: z.array(tokenSchema) }).openapi('TokenList');

export const tokenParams = z.object({
  tokenId: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'tokenId', in: 'path' }, example: 'k3v9q2m7x1ab' }),
});
