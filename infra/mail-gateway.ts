import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { GatewayFunction } from './gateway-function.js';
import { createHttpFrontDoor, type FrontDoorRoute, type ThrottleProps } from './http-front-door.js';
import {
  assertSecretPrefix,
  secretReadStatements,
  secretWriteStatements,
  tokenWriteBackStatements,
} from './secret-read-policy.js';
import { planApiTimeouts, planStreamTimeouts } from './timeouts.js';
import { WebhookResources } from './webhooks.js';

/**
 * Largest download the buffered function answers itself. Lambda caps a
 * buffered response at 6 MB and binary bodies travel base64-encoded (4/3),
 * so 4 MiB (5.6 MB encoded) leaves room for headers.
 */
export const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * Largest message upload the API function accepts. Lambda caps a synchronous
 * request payload at 6 MB and HTTP API base64-encodes binary bodies, so a
 * larger upload could not reach the function at all: with this limit the
 * client gets our 413 problem instead of a platform error.
 */
export const LAMBDA_MAX_UPLOAD_BYTES = 4 * 1024 * 1024;

export interface MailGatewayProps {
  /** Prefix of every secret the gateway reads, e.g. `mailgate/`. The functions may read nothing else. */
  secretPrefix: string;
  /**
   * The customer managed key the secrets are encrypted with; omit for the AWS
   * managed `aws/secretsmanager` key. The account API function creates new
   * secrets with it (MAILGATE_SECRETS_KMS_KEY_ID).
   */
  secretsKey?: kms.IKey;
  /** Memory of each function in MB (CPU scales with it). Default 1024. */
  memorySize?: number;
  /** Timeout of the JSON API function, at most 28 s so that API Gateway's integration (29 s) outlasts it. Default 28 s. */
  timeout?: Duration;
  /** Timeout of the streaming download function (transfer included). Default 5 minutes. */
  downloadTimeout?: Duration;
  /** Reserved concurrency of the JSON API function: bounds its simultaneous mail sessions. Default: unreserved. */
  reservedConcurrency?: number;
  /** Reserved concurrency of the download function. Default: `reservedConcurrency`. */
  downloadReservedConcurrency?: number;
  /**
   * Serve the account API (PUT and DELETE `/v1/accounts/{account}`,
   * `/v1/tokens`) from a function of its own, the only one allowed to write
   * secrets under the prefix. Default true; false leaves every function
   * read-only and those routes answer 501.
   */
  accountApi?: boolean;
  /**
   * Reserved concurrency of the account API function. Default: unreserved.
   * 1 makes its writes to the index secret strictly one at a time (calls
   * beyond it are refused by Lambda, which API Gateway answers with a 5xx
   * of its own); Secrets Manager has no conditional write, so each writer
   * reads the index back and writes again when a concurrent change dropped
   * its own, which narrows the window in which an id can be lost but does
   * not close it.
   */
  adminReservedConcurrency?: number;
  /**
   * Write refreshed OAuth2 tokens (and rotated refresh tokens) back to the
   * account secrets (MAILGATE_OAUTH_WRITE_BACK): the mail functions then get
   * `secretsmanager:PutSecretValue` on `<prefix>accounts/*`, nothing more.
   * Default false: they only read, each instance refreshes on its own, and a
   * rotated refresh token lives in that instance only (docs/DEPLOY.md).
   */
  oauthWriteBack?: boolean;
  /** Browser origins allowed to call the API and the download URL. Default: none (no CORS headers). */
  corsOrigins?: string[];
  /** Retention of the function and access log groups. Default one month. */
  logRetention?: logs.RetentionDays;
  /** Serve raw and attachment downloads through a streaming Function URL (no 6 MB cap). Default true. */
  streamingDownloads?: boolean;
  /** HTTP API stage throttling. Default 50 requests/s, bursts of 100. */
  throttle?: ThrottleProps;
  /** Downloads larger than this are not answered by the buffered function. Default 4 MiB. */
  maxBufferedBytes?: number;
  /** How long a credential read stays cached in a warm function. Default 300 s. */
  secretCacheSeconds?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /**
   * Stack traces of uncaught errors mapped to the TypeScript sources by Node
   * (`NODE_OPTIONS=--enable-source-maps`). Default false: it parses the
   * source maps of everything loaded, adding about 15 % to a cold start's
   * init; the maps are shipped beside the code either way.
   */
  sourceMapStackTraces?: boolean;
  /**
   * Webhooks (opt-in): the webhook table, the delivery queue with its
   * dead-letter queue and alarm, the scheduled poller and the delivery
   * function (infra/webhooks.ts); the API function then serves the webhook
   * routes. Default false: those routes answer 501.
   */
  webhooks?: boolean;
  /** Poller segments (one schedule and invocation each, every minute). Default 1. */
  webhookSegments?: number;
  /** Mail connections the poller holds per account at once. Default 1. */
  webhookConnectionsPerAccount?: number;
  /** An existing SNS topic (ARN) the webhook dead-letter alarm notifies. Default none. */
  webhookAlarmTopicArn?: string;
}

/**
 * The mail gateway on AWS: the JSON API as a buffered function behind an
 * HTTP API, (optionally) the raw and attachment downloads as a second
 * function behind a Function URL in RESPONSE_STREAM mode, and (optionally)
 * the account API as a third function behind the same HTTP API, on its own
 * routes. The mail functions read credentials from Secrets Manager under one
 * prefix and nothing else; only the account API's function may write there.
 *
 * The download function is built first and knows nothing of the API; the API
 * function receives the download URL. References therefore point one way
 * (API → download URL), which keeps CloudFormation free of cycles.
 */
export class MailGateway extends Construct {
  readonly api: GatewayFunction;
  readonly downloads: GatewayFunction | undefined;
  /** The account API's function; the only one that may write secrets. */
  readonly admin: GatewayFunction | undefined;
  readonly httpApi: apigw.HttpApi;
  readonly downloadUrl: lambda.FunctionUrl | undefined;
  /** The webhook resources, with `webhooks: true`. */
  readonly webhooks: WebhookResources | undefined;
  readonly #secretPrefix: string;
  readonly #secretsKey: kms.IKey | undefined;

  constructor(scope: Construct, id: string, props: MailGatewayProps) {
    super(scope, id);
    assertSecretPrefix(props.secretPrefix);
    this.#secretPrefix = props.secretPrefix;
    this.#secretsKey = props.secretsKey;
    const memorySize = props.memorySize ?? 1024;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const corsOrigins = props.corsOrigins ?? [];
    const maxBufferedBytes = props.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    if (
      !Number.isInteger(maxBufferedBytes) ||
      maxBufferedBytes < 1024 ||
      maxBufferedBytes > 4.5 * 1024 * 1024
    ) {
      throw new RangeError(
        `maxBufferedBytes must be 1 KiB – 4.5 MiB: base64 must fit Lambda's 6 MB response cap`,
      );
    }
    const shared = {
      MAILGATE_STORE: 'secretsmanager',
      MAILGATE_SECRET_PREFIX: props.secretPrefix,
      MAILGATE_SECRET_CACHE_SECONDS: String(props.secretCacheSeconds ?? 300),
      MAILGATE_LOG_LEVEL: props.logLevel ?? 'info',
      ...(props.oauthWriteBack === true ? { MAILGATE_OAUTH_WRITE_BACK: 'true' } : {}),
    };

    if (props.streamingDownloads ?? true) {
      const plan = planStreamTimeouts((props.downloadTimeout ?? Duration.minutes(5)).toSeconds());
      this.downloads = new GatewayFunction(this, 'Downloads', {
        entry: 'functions/lambda-stream.ts',
        description: 'mailgate raw and attachment downloads (streamed)',
        memorySize,
        timeout: Duration.seconds(plan.lambdaTimeoutSeconds),
        reservedConcurrency: props.downloadReservedConcurrency ?? props.reservedConcurrency,
        logRetention,
        sourceMapStackTraces: props.sourceMapStackTraces,
        environment: { ...shared, MAILGATE_REQUEST_TIMEOUT_MS: String(plan.requestDeadlineMs) },
      });
      this.grantSecretsRead(this.downloads.role);
      if (props.oauthWriteBack === true) this.#grantTokenWriteBack(this.downloads.role);
      // No IAM auth: every download route checks our bearer token, exactly as the API does.
      this.downloadUrl = this.downloads.function.addFunctionUrl({
        authType: lambda.FunctionUrlAuthType.NONE,
        invokeMode: lambda.InvokeMode.RESPONSE_STREAM,
        cors:
          corsOrigins.length === 0
            ? undefined
            : {
                allowedOrigins: corsOrigins,
                allowedMethods: [lambda.HttpMethod.GET, lambda.HttpMethod.HEAD],
                allowedHeaders: ['authorization'],
                exposedHeaders: ['content-disposition', 'content-length', 'x-request-id'],
                maxAge: Duration.hours(1),
              },
      });
    }

    const apiPlan = planApiTimeouts((props.timeout ?? Duration.seconds(28)).toSeconds());
    this.api = new GatewayFunction(this, 'Api', {
      entry: 'functions/lambda-api.ts',
      description: 'mailgate JSON API',
      // It serves /docs: the reference page's script goes beside its bundle, read on request only.
      docsScript: true,
      memorySize,
      timeout: Duration.seconds(apiPlan.lambdaTimeoutSeconds),
      reservedConcurrency: props.reservedConcurrency,
      logRetention,
      sourceMapStackTraces: props.sourceMapStackTraces,
      environment: {
        ...shared,
        MAILGATE_REQUEST_TIMEOUT_MS: String(apiPlan.requestDeadlineMs),
        // Long polls may outlast the default deadline, but never the function itself.
        MAILGATE_MAX_REQUEST_MS: String(apiPlan.lambdaTimeoutSeconds * 1000 - 1000),
        MAILGATE_MAX_BUFFERED_BYTES: String(maxBufferedBytes),
        MAILGATE_MAX_UPLOAD_BYTES: String(LAMBDA_MAX_UPLOAD_BYTES),
        ...(this.downloadUrl === undefined ? {} : { MAILGATE_DOWNLOAD_BASE_URL: this.downloadUrl.url }),
      },
    });
    this.grantSecretsRead(this.api.role);
    if (props.oauthWriteBack === true) this.#grantTokenWriteBack(this.api.role);

    if (props.webhooks === true) {
      this.webhooks = new WebhookResources(this, 'Webhooks', {
        segments: props.webhookSegments,
        connectionsPerAccount: props.webhookConnectionsPerAccount,
        alarmTopicArn: props.webhookAlarmTopicArn,
        memorySize,
        logRetention,
        sourceMapStackTraces: props.sourceMapStackTraces,
        environment: shared,
        // The poller reads mail as the API function does: the same secrets, the same token write-back.
        grantMailAccess: (grantee) => {
          this.grantSecretsRead(grantee);
          if (props.oauthWriteBack === true) this.#grantTokenWriteBack(grantee);
        },
      });
      // The routes write subscriptions and wake the delivery function; nothing new on secrets.
      this.webhooks.grantTableAndSend(this.api.role);
      for (const [key, value] of Object.entries(this.webhooks.apiEnvironment())) {
        this.api.function.addEnvironment(key, value);
      }
    }

    const integrationOptions = {
      payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
      timeout: Duration.seconds(apiPlan.integrationTimeoutSeconds ?? 30),
    };
    const routes: FrontDoorRoute[] = [];
    if (props.accountApi ?? true) {
      // Same timeouts as the API: `?verify=true` logs in to a mail server (and may refresh an OAuth2 token).
      this.admin = new GatewayFunction(this, 'Admin', {
        entry: 'functions/lambda-admin.ts',
        description: 'mailgate account API (admin tokens)',
        roleDescription: "mailgate account API: writes its own logs and manages the gateway's secrets",
        memorySize,
        timeout: Duration.seconds(apiPlan.lambdaTimeoutSeconds),
        reservedConcurrency: props.adminReservedConcurrency,
        logRetention,
        sourceMapStackTraces: props.sourceMapStackTraces,
        environment: {
          ...shared,
          // Reads fresh what the CLI or another instance wrote: an admin call is rare, a stale read is not.
          MAILGATE_SECRET_CACHE_SECONDS: '0',
          MAILGATE_REQUEST_TIMEOUT_MS: String(apiPlan.requestDeadlineMs),
          // The secrets it creates are encrypted with the key the others read them with.
          ...(this.#secretsKey === undefined ? {} : { MAILGATE_SECRETS_KMS_KEY_ID: this.#secretsKey.keyArn }),
        },
      });
      this.grantSecretsWrite(this.admin.role);
      if (this.webhooks) {
        // Removing an account deletes its webhooks, so an id used again never sends its mail to old receivers.
        this.webhooks.grantAccountRemoval(this.admin.role);
        for (const [key, value] of Object.entries(this.webhooks.apiEnvironment())) {
          this.admin.function.addEnvironment(key, value);
        }
      }
      const admin = new HttpLambdaIntegration('Admin', this.admin.function, integrationOptions);
      routes.push(
        {
          path: '/v1/accounts/{account}',
          methods: [apigw.HttpMethod.PUT, apigw.HttpMethod.DELETE],
          integration: admin,
        },
        {
          path: '/v1/tokens',
          methods: [apigw.HttpMethod.GET, apigw.HttpMethod.HEAD, apigw.HttpMethod.POST],
          integration: admin,
        },
        { path: '/v1/tokens/{tokenId}', methods: [apigw.HttpMethod.DELETE], integration: admin },
      );
    }

    this.httpApi = createHttpFrontDoor(this, 'Http', {
      integration: new HttpLambdaIntegration('Api', this.api.function, integrationOptions),
      routes,
      corsOrigins,
      throttle: props.throttle ?? { rateLimit: 50, burstLimit: 100 },
      logRetention,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.apiEndpoint, description: 'JSON API base URL' });
    if (this.downloadUrl !== undefined) {
      new CfnOutput(this, 'DownloadUrl', {
        value: this.downloadUrl.url,
        description: 'Streaming download base URL',
      });
    }
  }

  /** Lets `grantee` read the gateway's secrets (and decrypt them with the CMK, through Secrets Manager only). */
  grantSecretsRead(grantee: iam.IGrantable): void {
    for (const statement of secretReadStatements(this, this.#secretPrefix, this.#secretsKey)) {
      grantee.grantPrincipal.addToPrincipalPolicy(statement);
    }
  }

  /** PutSecretValue on the account secrets only: refreshed OAuth2 tokens go back into the account's own secret. */
  #grantTokenWriteBack(grantee: iam.IGrantable): void {
    for (const statement of tokenWriteBackStatements(this, this.#secretPrefix, this.#secretsKey)) {
      grantee.grantPrincipal.addToPrincipalPolicy(statement);
    }
  }

  /** Lets `grantee` create, write, describe and delete the gateway's secrets (the account API's function only). */
  grantSecretsWrite(grantee: iam.IGrantable): void {
    for (const statement of secretWriteStatements(this, this.#secretPrefix, this.#secretsKey)) {
      grantee.grantPrincipal.addToPrincipalPolicy(statement);
    }
  }
}
