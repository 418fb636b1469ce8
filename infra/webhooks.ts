import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ACTIVE_INDEX_ATTRIBUTES, WEBHOOK_TABLE_KEYS } from '../lib/webhooks/dynamo/table.js';
import { GatewayFunction } from './gateway-function.js';
import { LAMBDA_MAX_TIMEOUT_SECONDS, MIN_TIMEOUT_SECONDS } from './timeouts.js';

/**
 * Webhooks on AWS (opt-in): the table of subscriptions, cursors and
 * delivery queues; the delivery queue (wake-up messages that only name a
 * webhook) with its dead-letter queue and an alarm on it; the scheduled
 * poller (one EventBridge Scheduler schedule per segment, every minute);
 * the delivery function, the queue's consumer. Least privilege: each of
 * the three functions that use the table gets the item actions its calls
 * of the DynamoDB adapter (lib/webhooks/dynamo) make, and sending to the
 * queue; the mail secrets for the poller only besides the API function (it
 * reads mail), nothing of Secrets Manager for the delivery function.
 */

/**
 * The API function's table actions: the routes create (PutItem), read and
 * list (GetItem, Query), change and test (UpdateItem, staged chunks in
 * BatchWriteItem) and delete (DeleteItem, then the webhook's items).
 */
export const WEBHOOK_API_TABLE_ACTIONS = [
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
] as const;
/** The poller's: scan its segment of the active index, read cursors, commit events with the cursor. */
export const WEBHOOK_POLLER_TABLE_ACTIONS = [
  'dynamodb:BatchWriteItem',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
] as const;
/** The delivery function's: read the record and queue, lease, record outcomes, roll commits forward. */
export const WEBHOOK_DELIVERY_TABLE_ACTIONS = [
  'dynamodb:BatchWriteItem',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
] as const;
/**
 * The account API's: removing an account deletes its webhooks (list them,
 * delete each with its items in batches). It queues nothing, so it sends
 * no wake-ups.
 */
export const WEBHOOK_ADMIN_TABLE_ACTIONS = [
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:Query',
] as const;

/** Segments at most: each is a schedule resource, and a stack holds at most 500 resources. */
export const MAX_WEBHOOK_SEGMENTS = 100;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** AWS's guidance for a Lambda consumer: the queue's visibility timeout at least six times the function's. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
/** Receives of one wake-up (a store failure each time) before it goes to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;

export interface WebhookResourcesProps {
  /** Segments the active webhooks are split into, one poller invocation (and schedule) each. Default 1; at most 100. */
  segments?: number;
  /** An existing SNS topic (its ARN) the dead-letter alarm notifies. Default none: the alarm only shows in CloudWatch. */
  alarmTopicArn?: string;
  /** Mail connections the poller holds per account at once (MAILGATE_WEBHOOK_ACCOUNT_CONNECTIONS). Default 1. */
  connectionsPerAccount?: number;
  /** The poller's timeout; a minute at most, as it runs every minute. Default 55 s. */
  pollerTimeout?: Duration;
  /** The delivery function's timeout (an attempt takes up to 10 s). Default 60 s. */
  deliveryTimeout?: Duration;
  memorySize: number;
  logRetention: logs.RetentionDays;
  sourceMapStackTraces?: boolean;
  /** What every function of the gateway gets (store, prefix, log level). */
  environment: Record<string, string>;
  /** Grants the poller what the API function has to read mail: the secrets (and token write-back when on). */
  grantMailAccess(grantee: iam.IGrantable): void;
}

export class WebhookResources extends Construct {
  readonly table: dynamodb.Table;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  readonly poller: GatewayFunction;
  readonly delivery: GatewayFunction;
  readonly schedulerRole: iam.Role;
  readonly schedules: scheduler.CfnSchedule[];

  constructor(scope: Construct, id: string, props: WebhookResourcesProps) {
    super(scope, id);
    const segments = props.segments ?? 1;
    if (!(Number.isInteger(segments) && segments >= 1 && segments <= MAX_WEBHOOK_SEGMENTS)) {
      throw new RangeError(
        `webhook segments must be a whole number from 1 to ${MAX_WEBHOOK_SEGMENTS} (got ${segments})`,
      );
    }
    if (props.alarmTopicArn !== undefined && !SNS_TOPIC_ARN.test(props.alarmTopicArn)) {
      throw new RangeError(
        `webhookAlarmTopicArn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>; got ${JSON.stringify(props.alarmTopicArn)})`,
      );
    }
    const connections = props.connectionsPerAccount ?? 1;
    if (!(Number.isInteger(connections) && connections >= 1 && connections <= 20)) {
      throw new RangeError(`webhook connections per account must be 1–20 (got ${connections})`);
    }
    const pollerSeconds = (props.pollerTimeout ?? Duration.seconds(55)).toSeconds();
    if (!(Number.isInteger(pollerSeconds) && pollerSeconds >= MIN_TIMEOUT_SECONDS && pollerSeconds <= 60)) {
      throw new RangeError(
        `the webhook poller timeout must be ${MIN_TIMEOUT_SECONDS}–60 s: it runs every minute (got ${pollerSeconds})`,
      );
    }
    const deliverySeconds = (props.deliveryTimeout ?? Duration.seconds(60)).toSeconds();
    // An attempt may take 10 s and the function stops starting one 15 s before its end.
    const deliveryMax = Math.floor(LAMBDA_MAX_TIMEOUT_SECONDS / VISIBILITY_TIMEOUT_FACTOR);
    if (!(Number.isInteger(deliverySeconds) && deliverySeconds >= 30 && deliverySeconds <= deliveryMax)) {
      throw new RangeError(
        `the webhook delivery timeout must be 30–${deliveryMax} s (got ${deliverySeconds})`,
      );
    }

    const { partitionKey, sortKey, activeIndex, activeIndexPartitionKey } = WEBHOOK_TABLE_KEYS;
    // It holds the subscriptions, their signing secrets and undelivered events: kept when the stack goes.
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: activeIndex,
      partitionKey: { name: activeIndexPartitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: sortKey, type: dynamodb.AttributeType.STRING },
      // Only what the store reads from it: the index is then rewritten when a record or head due time
      // changes, not at every commit of events.
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: [...ACTIVE_INDEX_ATTRIBUTES],
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      visibilityTimeout: Duration.seconds(deliverySeconds * VISIBILITY_TIMEOUT_FACTOR),
      retentionPeriod: Duration.days(4),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
      alarmDescription:
        'mailgate webhook wake-ups reached the dead-letter queue: the delivery function failed on the store repeatedly',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopicArn !== undefined) {
      this.deadLetterAlarm.addAlarmAction(
        new cloudwatchActions.SnsAction(sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn)),
      );
    }

    const environment = {
      ...props.environment,
      MAILGATE_WEBHOOK_TABLE: this.table.tableName,
      MAILGATE_WEBHOOK_QUEUE_URL: this.queue.queueUrl,
    };
    this.poller = new GatewayFunction(this, 'Poller', {
      entry: 'functions/lambda-webhook-poller.ts',
      description: 'mailgate webhook poller (scheduled)',
      roleDescription:
        "mailgate webhook poller: writes its own logs, reads the gateway's secrets, uses the webhook table and sends wake-ups",
      memorySize: props.memorySize,
      timeout: Duration.seconds(pollerSeconds),
      logRetention: props.logRetention,
      sourceMapStackTraces: props.sourceMapStackTraces,
      environment: { ...environment, MAILGATE_WEBHOOK_ACCOUNT_CONNECTIONS: String(connections) },
    });
    props.grantMailAccess(this.poller.role);
    this.#grantTableAndSend(this.poller.role, WEBHOOK_POLLER_TABLE_ACTIONS, true);
    // The schedule is the only retry: a failed or timed-out run is not run again by Lambda (it would
    // overlap the next scheduled one, two pollers on one segment), and a run older than a minute is dropped.
    this.poller.function.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.seconds(60) });

    this.delivery = new GatewayFunction(this, 'Delivery', {
      entry: 'functions/lambda-webhook-delivery.ts',
      description: 'mailgate webhook delivery (queue consumer)',
      roleDescription:
        'mailgate webhook delivery: writes its own logs, uses the webhook table and consumes and sends wake-ups; no secrets',
      memorySize: props.memorySize,
      timeout: Duration.seconds(deliverySeconds),
      logRetention: props.logRetention,
      sourceMapStackTraces: props.sourceMapStackTraces,
      environment,
    });
    this.#grantTableAndSend(this.delivery.role, WEBHOOK_DELIVERY_TABLE_ACTIONS, false);
    this.delivery.function.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );

    const stack = Stack.of(this);
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'mailgate webhook schedules: invoke the poller, nothing else',
    });
    this.schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeWebhookPoller',
        actions: ['lambda:InvokeFunction'],
        resources: [this.poller.function.functionArn],
      }),
    );
    this.schedules = Array.from(
      { length: segments },
      (_, segment) =>
        new scheduler.CfnSchedule(this, `Poll${segment}`, {
          description: `mailgate webhook poller, segment ${segment} of ${segments}`,
          scheduleExpression: 'rate(1 minute)',
          flexibleTimeWindow: { mode: 'OFF' },
          target: {
            arn: this.poller.function.functionArn,
            roleArn: this.schedulerRole.roleArn,
            input: JSON.stringify({ segment, segments }),
            // A missed run is made up by the next one, a minute later.
            retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 },
          },
        }),
    );
  }

  /** What the API function gets: the routes' table actions (not the index) and sending wake-ups. */
  grantTableAndSend(grantee: iam.IGrantable): void {
    this.#grantTableAndSend(grantee, WEBHOOK_API_TABLE_ACTIONS, false);
  }

  /** What the account API's function gets: deleting a removed account's webhooks, nothing on the queue. */
  grantAccountRemoval(grantee: iam.IGrantable): void {
    this.#grantTable(grantee, WEBHOOK_ADMIN_TABLE_ACTIONS, false);
  }

  #grantTable(grantee: iam.IGrantable, actions: readonly string[], index: boolean): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'UseWebhookTable',
        actions: [...actions],
        resources: index ? [this.table.tableArn, `${this.table.tableArn}/index/*`] : [this.table.tableArn],
      }),
    );
  }

  #grantTableAndSend(grantee: iam.IGrantable, actions: readonly string[], index: boolean): void {
    this.#grantTable(grantee, actions, index);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SendWebhookWakeUps',
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
      }),
    );
  }

  /** The environment the API and account API functions need to reach the webhook store and queue. */
  apiEnvironment(): Record<string, string> {
    return { MAILGATE_WEBHOOK_TABLE: this.table.tableName, MAILGATE_WEBHOOK_QUEUE_URL: this.queue.queueUrl };
  }
}
