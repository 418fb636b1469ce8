import { z } from 'zod';
import { ConfigurationError } from '../mail/errors.js';
import { type Account, accountDocumentSchema, type OAuthApp, oauthAppSchema } from './account.js';
import { TOKEN_SCOPES, type TokenRecord } from './store.js';
import { TOKEN_ID_PATTERN } from './tokens.js';

const tokenRecordSchema = z
  .object({
    tokenId: z.string().regex(TOKEN_ID_PATTERN),
    accounts: z.union([z.literal('*'), z.array(z.string().min(1))]),
    scope: z.enum(TOKEN_SCOPES),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    label: z.string().nullable(),
    createdAt: z.string().min(1),
  })
  .strict()
  .refine((record) => record.scope !== 'admin' || record.accounts === '*', {
    path: ['accounts'],
    message: 'an admin token grants every account: "*"',
  });

/**
 * Describes zod issues by path and expectation only. Issue messages built by
 * zod state what the schema expects, never the input; `invalid_type` is
 * rewritten to the shorter "expected number" form.
 */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const what = issue.code === 'invalid_type' ? `expected ${issue.expected}` : issue.message;
      return issue.path.length === 0 ? what : `field "${issue.path.map(String).join('.')}": ${what}`;
    })
    .join('; ');
}

/**
 * Validates a stored account document.
 * @param raw the parsed JSON (untrusted).
 * @throws ConfigurationError naming the account and the offending fields, never a value.
 */
export function parseStoredAccount(id: string, raw: unknown): Account {
  const result = accountDocumentSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigurationError(`account "${id}": ${describeIssues(result.error.issues)}`);
  }
  return { ...result.data, id };
}

/**
 * Validates a stored OAuth app.
 * @throws ConfigurationError naming the app and the offending fields, never a value.
 */
export function parseStoredOAuthApp(name: string, raw: unknown): OAuthApp {
  const result = oauthAppSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigurationError(`OAuth app "${name}": ${describeIssues(result.error.issues)}`);
  }
  return result.data;
}

/**
 * Validates a stored token record; its `tokenId` must match the key it is stored under.
 * @throws ConfigurationError naming the token id and the offending fields, never a value.
 */
export function parseStoredToken(tokenId: string, raw: unknown): TokenRecord {
  const result = tokenRecordSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigurationError(`token "${tokenId}": ${describeIssues(result.error.issues)}`);
  }
  if (result.data.tokenId !== tokenId) {
    throw new ConfigurationError(
      `token "${tokenId}": field "tokenId": does not match the key it is stored under`,
    );
  }
  return result.data;
}

/**
 * JSON.parse whose failure names `what` but never echoes the text: V8's
 * SyntaxError quotes the input around the error, which may be a password.
 * @throws ConfigurationError
 */
export function parseStoredJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigurationError(`${what} is not valid JSON`);
  }
}
