import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { MailGatewayProps } from './mail-gateway.js';

/** Reads one context value: `-c key=value` gives strings, cdk.json gives JSON values. */
export type ContextReader = (key: string) => unknown;

function integer(read: ContextReader, key: string): number | undefined {
  const value = read(key);
  if (value === undefined || value === '') return undefined;
  const parsed = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(parsed))
    throw new Error(`context ${key} must be a whole number (got ${JSON.stringify(value)})`);
  return parsed;
}

function boolean(read: ContextReader, key: string): boolean | undefined {
  const value = read(key);
  if (value === undefined || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`context ${key} must be true or false (got ${JSON.stringify(value)})`);
}

function text(read: ContextReader, key: string): string | undefined {
  const value = read(key);
  return value === undefined || value === '' ? undefined : String(value);
}

function list(read: ContextReader, key: string): string[] | undefined {
  const value = read(key);
  if (value === undefined || value === '') return undefined;
  if (Array.isArray(value)) return value.map(String);
  return String(value)
    .split(',')
    .map((each) => each.trim())
    .filter((each) => each !== '');
}

function retention(read: ContextReader): logs.RetentionDays | undefined {
  const days = integer(read, 'logRetentionDays');
  if (days === undefined) return undefined;
  if (!Object.values(logs.RetentionDays).includes(days)) {
    throw new Error(
      `context logRetentionDays must be one CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, …; got ${days})`,
    );
  }
  return days as logs.RetentionDays;
}

/**
 * The gateway's props from CDK context (`-c secretPrefix=mailgate/ -c corsOrigins=https://a,https://b`).
 * `secretsKeyArn` imports a key by ARN, which needs no lookup.
 * @throws Error naming the context key whose value is unusable.
 */
export function gatewayPropsFromContext(scope: Construct, read: ContextReader): MailGatewayProps {
  const timeout = integer(read, 'timeoutSeconds');
  const downloadTimeout = integer(read, 'downloadTimeoutSeconds');
  const keyArn = read('secretsKeyArn');
  const logLevel = read('logLevel');
  if (logLevel !== undefined && !['debug', 'info', 'warn', 'error'].includes(String(logLevel))) {
    throw new Error(`context logLevel must be debug, info, warn or error (got ${JSON.stringify(logLevel)})`);
  }
  return {
    secretPrefix: String(read('secretPrefix') ?? 'mailgate/'),
    secretsKey:
      typeof keyArn === 'string' && keyArn !== ''
        ? kms.Key.fromKeyArn(scope, 'SecretsKey', keyArn)
        : undefined,
    memorySize: integer(read, 'memorySize'),
    timeout: timeout === undefined ? undefined : Duration.seconds(timeout),
    downloadTimeout: downloadTimeout === undefined ? undefined : Duration.seconds(downloadTimeout),
    reservedConcurrency: integer(read, 'reservedConcurrency'),
    downloadReservedConcurrency: integer(read, 'downloadReservedConcurrency'),
    accountApi: boolean(read, 'accountApi'),
    adminReservedConcurrency: integer(read, 'adminReservedConcurrency'),
    oauthWriteBack: boolean(read, 'oauthWriteBack'),
    corsOrigins: list(read, 'corsOrigins'),
    logRetention: retention(read),
    streamingDownloads: boolean(read, 'streamingDownloads'),
    maxBufferedBytes: integer(read, 'maxBufferedBytes'),
    logLevel: logLevel as MailGatewayProps['logLevel'],
    sourceMapStackTraces: boolean(read, 'sourceMapStackTraces'),
    webhooks: boolean(read, 'webhooks'),
    webhookSegments: integer(read, 'webhookSegments'),
    webhookConnectionsPerAccount: integer(read, 'webhookConnectionsPerAccount'),
    webhookAlarmTopicArn: text(read, 'webhookAlarmTopicArn'),
  };
}
