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
  assertSecretPrefix(prefix);
  const stack = Stack.of(scope);
  // Secrets Manager appends "-XXXXXX" to every secret ARN, hence the trailing star on the name.
  const secretsArn = stack.formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${prefix}*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  const statements = [
    new iam.PolicyStatement({
      sid: 'ReadMailgateSecrets',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [secretsArn],
    }),
  ];
  if (key !== undefined) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'DecryptMailgateSecrets',
        actions: ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
      }),
    );
  }
  return statements;
}
