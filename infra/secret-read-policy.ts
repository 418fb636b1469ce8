import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/** Characters Secrets Manager allows in a secret name; no wildcard may slip into the grant. */
const SECRET_PREFIX_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,400}$/;

/**
 * Rejects a prefix that would widen the grant: empty (every secret in the
 * account) or containing IAM wildcards.
 * @throws Error naming the rule the prefix breaks.
 */
export function assertSecretPrefix(prefix: string): void {
  if (!SECRET_PREFIX_PATTERN.test(prefix)) {
    throw new Error(
      `secretPrefix must be 1–400 characters of A-Z a-z 0-9 / _ + = . @ - (got ${JSON.stringify(prefix)}); an empty prefix would grant every secret in the account`,
    );
  }
}

/** The secrets under the prefix (Secrets Manager appends "-XXXXXX" to every secret ARN, hence the trailing star). */
function secretsArnPattern(scope: Construct, prefix: string): string {
  assertSecretPrefix(prefix);
  return Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${prefix}*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** What one grant allows: a statement id and its actions. */
interface Grant {
  sid: string;
  actions: string[];
}

/**
 * `onSecrets` on the secrets under `prefix`; with a customer managed key,
 * `onKey` on that key too, usable only through Secrets Manager in the
 * stack's region.
 */
function secretStatements(
  scope: Construct,
  prefix: string,
  onSecrets: Grant,
  key: kms.IKey | undefined,
  onKey: Grant,
): iam.PolicyStatement[] {
  const statements = [
    new iam.PolicyStatement({ ...onSecrets, resources: [secretsArnPattern(scope, prefix)] }),
  ];
  if (key !== undefined) {
    statements.push(
      new iam.PolicyStatement({
        ...onKey,
        resources: [key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(scope).region}.amazonaws.com` },
        },
      }),
    );
  }
  return statements;
}

/** Actions on the gateway's secrets that the account API (the admin function) needs, and no other function. */
export const SECRET_WRITE_ACTIONS = [
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:CreateSecret',
  'secretsmanager:DeleteSecret',
  'secretsmanager:DescribeSecret',
] as const;

/**
 * The statements the admin function needs to manage credentials: the
 * actions the store's write methods call (SecretsManagerCredentialStore:
 * GetSecretValue, PutSecretValue, then CreateSecret for a new name;
 * DescribeSecret and DeleteSecret to remove), on the prefix and nothing
 * else. With a customer managed key, Decrypt and GenerateDataKey on that key
 * (writing a new version encrypts it), only through Secrets Manager.
 */
export function secretWriteStatements(
  scope: Construct,
  prefix: string,
  key?: kms.IKey,
): iam.PolicyStatement[] {
  return secretStatements(
    scope,
    prefix,
    { sid: 'ManageMailgateSecrets', actions: [...SECRET_WRITE_ACTIONS] },
    key,
    { sid: 'EncryptMailgateSecrets', actions: ['kms:Decrypt', 'kms:GenerateDataKey'] },
  );
}

/**
 * The statements the request-serving functions need to read credentials:
 * GetSecretValue on the prefix and nothing else (the store keeps an index
 * secret precisely so that ListSecrets is not needed), plus Decrypt on a
 * customer managed key, usable only through Secrets Manager.
 */
export function secretReadStatements(
  scope: Construct,
  prefix: string,
  key?: kms.IKey,
): iam.PolicyStatement[] {
  return secretStatements(
    scope,
    prefix,
    { sid: 'ReadMailgateSecrets', actions: ['secretsmanager:GetSecretValue'] },
    key,
    { sid: 'DecryptMailgateSecrets', actions: ['kms:Decrypt'] },
  );
}

/**
 * With OAuth2 write-back on: PutSecretValue on the account secrets
 * (`<prefix>accounts/*`), not the index, the tokens or the OAuth apps, so a
 * mail function can replace an account's tokens but create, delete or list
 * nothing. With a customer managed key, GenerateDataKey on it (a new version
 * is encrypted), through Secrets Manager only.
 */
export function tokenWriteBackStatements(
  scope: Construct,
  prefix: string,
  key?: kms.IKey,
): iam.PolicyStatement[] {
  return secretStatements(
    scope,
    `${prefix}accounts/`,
    { sid: 'WriteBackOAuthTokens', actions: ['secretsmanager:PutSecretValue'] },
    key,
    { sid: 'EncryptOAuthTokens', actions: ['kms:GenerateDataKey'] },
  );
}
