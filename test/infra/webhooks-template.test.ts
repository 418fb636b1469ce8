import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  MAX_RECEIVE_COUNT,
  MAX_WEBHOOK_SEGMENTS,
  WEBHOOK_ADMIN_TABLE_ACTIONS,
} from '../../infra/webhooks.js';
import { ACTIVE_INDEX_ATTRIBUTES } from '../../lib/webhooks/dynamo/table.js';
import {
  asList,
  buildTemplate,
  buildTemplateFromContext,
  findCycle,
  type PolicyStatementJson,
  policyStatements,
  type Resources,
  render,
} from './support/template-helpers.js';

const SECRETS_ARN = 'arn:{AWS::Partition}:secretsmanager:{AWS::Region}:{AWS::AccountId}:secret:mailgate/*';

type Fn = { id: string; props: Record<string, unknown> };

function functionsOf(template: Template) {
  const all = template.findResources('AWS::Lambda::Function') as Resources;
  const find = (description: string): Fn | undefined => {
    const entry = Object.entries(all).find(([, each]) =>
      String(each.Properties?.Description).includes(description),
    );
    return entry === undefined ? undefined : { id: entry[0], props: entry[1].Properties ?? {} };
  };
  return {
    all,
    api: find('JSON API'),
    poller: find('webhook poller'),
    delivery: find('webhook delivery'),
    admin: find('account API'),
  };
}

function roleOf(fn: Fn | undefined): string {
  const role = (fn?.props.Role as { 'Fn::GetAtt': [string, string] } | undefined)?.['Fn::GetAtt'][0];
  if (role === undefined) throw new Error('function without a role');
  return role;
}

function environmentOf(fn: Fn | undefined): Record<string, unknown> {
  return (fn?.props.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables ?? {};
}

/** Every action a role's policies allow, with the rendered resources of each statement. */
function statementsOf(template: Template, role: string): Array<PolicyStatementJson & { roles: string[] }> {
  return policyStatements(template).filter((statement) => statement.roles.includes(role));
}

function actionsOf(template: Template, role: string): string[] {
  return statementsOf(template, role)
    .flatMap((statement) => asList(statement.Action))
    .sort();
}

function logicalId(
  template: Template,
  type: string,
  match: (props: Record<string, unknown>) => boolean,
): string {
  const found = Object.entries(template.findResources(type) as Resources).filter(([, each]) =>
    match(each.Properties ?? {}),
  );
  expect(found).toHaveLength(1);
  return found[0]![0];
}

describe('the webhook resources', () => {
  it('exist only with webhooks: true (prop or -c webhooks=true)', () => {
    const off = buildTemplate();
    for (const type of [
      'AWS::DynamoDB::Table',
      'AWS::SQS::Queue',
      'AWS::Scheduler::Schedule',
      'AWS::CloudWatch::Alarm',
      'AWS::Lambda::EventSourceMapping',
    ]) {
      expect(Object.keys(off.findResources(type)), type).toEqual([]);
    }
    expect(Object.keys(functionsOf(off).all)).toHaveLength(3);
    expect(environmentOf(functionsOf(off).api)).not.toHaveProperty('MAILGATE_WEBHOOK_TABLE');

    for (const on of [buildTemplate({ webhooks: true }), buildTemplateFromContext({ webhooks: 'true' })]) {
      expect(Object.keys(on.findResources('AWS::DynamoDB::Table'))).toHaveLength(1);
      expect(Object.keys(on.findResources('AWS::SQS::Queue'))).toHaveLength(2);
      expect(Object.keys(on.findResources('AWS::Scheduler::Schedule'))).toHaveLength(1);
      expect(Object.keys(functionsOf(on).all)).toHaveLength(5);
      expect(findCycle(on.toJSON().Resources as Resources)).toBeUndefined();
    }
  });

  it('keeps the table (on demand, point-in-time recovery, the adapter key schema, the active index projecting what the store reads)', () => {
    const template = buildTemplate({ webhooks: true });
    const [table] = Object.values(template.findResources('AWS::DynamoDB::Table') as Resources);
    expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(table!.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'active',
          KeySchema: [
            { AttributeName: 'activeAccount', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...ACTIVE_INDEX_ATTRIBUTES] },
        },
      ],
    });
  });

  it('gives the queue a visibility timeout ≥ 6× the delivery timeout and a dead-letter queue after 5 receives, with an alarm on it', () => {
    const template = buildTemplate({ webhooks: true });
    const { delivery } = functionsOf(template);
    const queues = template.findResources('AWS::SQS::Queue') as Resources;
    const main = Object.entries(queues).find(([, queue]) => queue.Properties?.RedrivePolicy !== undefined);
    const dlq = Object.entries(queues).find(([, queue]) => queue.Properties?.RedrivePolicy === undefined);
    expect(main && dlq).toBeTruthy();
    const timeout = delivery!.props.Timeout as number;
    expect(timeout).toBe(60);
    expect(main![1].Properties!.VisibilityTimeout as number).toBeGreaterThanOrEqual(6 * timeout);
    expect(main![1].Properties!.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlq![0], 'Arn'] },
      maxReceiveCount: MAX_RECEIVE_COUNT,
    });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm') as Resources);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq![0], 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('feeds the delivery function from the queue with partial batch failures reported', () => {
    const template = buildTemplate({ webhooks: true });
    const { delivery } = functionsOf(template);
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping') as Resources);
    expect(mappings).toHaveLength(1);
    expect(mappings[0]!.Properties).toMatchObject({
      FunctionName: { Ref: delivery!.id },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('runs one schedule per segment, every minute, each with its segment, through a role that may only invoke the poller', () => {
    const template = buildTemplate({ webhooks: true, webhookSegments: 3 });
    const { poller } = functionsOf(template);
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule') as Resources);
    expect(schedules).toHaveLength(3);
    const inputs = schedules.map((schedule) => {
      const props = schedule.Properties as {
        ScheduleExpression: string;
        FlexibleTimeWindow: { Mode: string };
        Target: { Arn: unknown; RoleArn: unknown; Input: string };
      };
      expect(props.ScheduleExpression).toBe('rate(1 minute)');
      expect(props.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
      expect(props.Target.Arn).toEqual({ 'Fn::GetAtt': [poller!.id, 'Arn'] });
      return JSON.parse(props.Target.Input) as unknown;
    });
    expect(inputs).toEqual([
      { segment: 0, segments: 3 },
      { segment: 1, segments: 3 },
      { segment: 2, segments: 3 },
    ]);
    const roleId = (schedules[0]!.Properties as { Target: { RoleArn: { 'Fn::GetAtt': [string] } } }).Target
      .RoleArn['Fn::GetAtt'][0];
    const role = (template.findResources('AWS::IAM::Role') as Resources)[roleId]!;
    expect(
      (
        role.Properties as { AssumeRolePolicyDocument: { Statement: Array<{ Principal: unknown }> } }
      ).AssumeRolePolicyDocument.Statement.map((s) => s.Principal),
    ).toEqual([{ Service: 'scheduler.amazonaws.com' }]);
    expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
    const statements = statementsOf(template, roleId);
    expect(statements).toHaveLength(1);
    expect(asList(statements[0]!.Action)).toEqual(['lambda:InvokeFunction']);
    expect(asList(statements[0]!.Resource)).toEqual([{ 'Fn::GetAtt': [poller!.id, 'Arn'] }]);
  });

  it('grants least privilege: each function the table actions its store calls need and SendMessage; secrets read to the API and the poller only; none to delivery', () => {
    const template = buildTemplate({ webhooks: true });
    const { api, poller, delivery } = functionsOf(template);
    const tableId = logicalId(template, 'AWS::DynamoDB::Table', () => true);
    const queueId = logicalId(template, 'AWS::SQS::Queue', (props) => props.RedrivePolicy !== undefined);
    const secretsRead = ['secretsmanager:GetSecretValue'];
    const logs = ['logs:CreateLogStream', 'logs:PutLogEvents'];
    const consume = [
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ];
    // The routes create (PutItem), list (Query), change, test and delete (DeleteItem, then the webhook's items in batches).
    const apiTable = [
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ];
    // The poller scans its segment of the active index, reads cursors and commits (staged chunks, one update).
    const pollerTable = [
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
    ];
    // Delivery reads the record and the queue, takes the lease, records outcomes, rolls commits forward.
    const deliveryTable = [
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ];
    expect(actionsOf(template, roleOf(api))).toEqual(
      [...logs, ...secretsRead, ...apiTable, 'sqs:SendMessage'].sort(),
    );
    expect(actionsOf(template, roleOf(poller))).toEqual(
      [...logs, ...secretsRead, ...pollerTable, 'sqs:SendMessage'].sort(),
    );
    expect(actionsOf(template, roleOf(delivery))).toEqual(
      [...logs, ...deliveryTable, 'sqs:SendMessage', ...consume].sort(),
    );
    // No table administration anywhere.
    for (const statement of policyStatements(template)) {
      for (const action of asList(statement.Action)) {
        expect(action).not.toMatch(
          /^dynamodb:(?:Create|Delete|Update)Table|^dynamodb:\*|^sqs:\*|^sqs:(?:Purge|Delete|Create)Queue/,
        );
      }
    }
    for (const fn of [api, poller, delivery]) {
      const statements = statementsOf(template, roleOf(fn));
      const table = statements.find((s) => asList(s.Action).includes('dynamodb:GetItem'));
      // Only the poller reads the index.
      expect(asList(table!.Resource).map(render)).toEqual(
        fn === poller ? [`{${tableId}.Arn}`, `{${tableId}.Arn}/index/*`] : [`{${tableId}.Arn}`],
      );
      const send = statements.find((s) => asList(s.Action).includes('sqs:SendMessage'));
      expect(asList(send!.Action)).toEqual(['sqs:SendMessage']);
      expect(asList(send!.Resource).map(render)).toEqual([`{${queueId}.Arn}`]);
      const secrets = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('secretsmanager:')));
      if (fn === delivery) expect(secrets).toEqual([]);
      else {
        // Read only, on the prefix: no secretsmanager write for the API function or the poller.
        expect(secrets.flatMap((s) => asList(s.Action))).toEqual(secretsRead);
        expect(secrets.flatMap((s) => asList(s.Resource)).map(render)).toEqual([SECRETS_ARN]);
      }
    }
  });

  it("lets the account API delete a removed account's webhooks: the table and its settings, no index, no queue, no more secrets", () => {
    const template = buildTemplate({ webhooks: true });
    const { admin } = functionsOf(template);
    const tableId = logicalId(template, 'AWS::DynamoDB::Table', () => true);
    const role = roleOf(admin);
    const statements = statementsOf(template, role);
    const table = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('dynamodb:')));
    expect(table.flatMap((s) => asList(s.Action)).sort()).toEqual([...WEBHOOK_ADMIN_TABLE_ACTIONS].sort());
    expect(table.flatMap((s) => asList(s.Resource)).map(render)).toEqual([`{${tableId}.Arn}`]);
    expect(actionsOf(template, role).filter((a) => a.startsWith('sqs:'))).toEqual([]);
    expect(Object.keys(environmentOf(admin))).toEqual(
      expect.arrayContaining(['MAILGATE_WEBHOOK_TABLE', 'MAILGATE_WEBHOOK_QUEUE_URL']),
    );
    // Without webhooks the account API has no table settings.
    const plain = functionsOf(buildTemplate({}));
    expect(Object.keys(environmentOf(plain.admin))).not.toContain('MAILGATE_WEBHOOK_TABLE');
  });

  it('invokes the poller asynchronously without Lambda retries and drops a run older than a minute, so a failed run never overlaps the next', () => {
    const template = buildTemplate({ webhooks: true });
    const { poller } = functionsOf(template);
    const configs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig') as Resources);
    expect(configs).toHaveLength(1);
    expect(configs[0]!.Properties).toMatchObject({
      FunctionName: { Ref: poller!.id },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
  });

  it('sends the dead-letter alarm to an SNS topic when one is given (prop or context), to none otherwise', () => {
    const topic = 'arn:aws:sns:eu-west-1:111122223333:mailgate-alarms';
    const alarmOf = (template: Template) =>
      Object.values(template.findResources('AWS::CloudWatch::Alarm') as Resources)[0]!.Properties!;
    expect(alarmOf(buildTemplate({ webhooks: true })).AlarmActions).toBeUndefined();
    for (const template of [
      buildTemplate({ webhooks: true, webhookAlarmTopicArn: topic }),
      buildTemplateFromContext({ webhooks: 'true', webhookAlarmTopicArn: topic }),
    ]) {
      expect(alarmOf(template).AlarmActions).toEqual([topic]);
      expect(Object.keys(template.findResources('AWS::SNS::Topic'))).toEqual([]);
    }
    expect(() => buildTemplate({ webhooks: true, webhookAlarmTopicArn: 'mailgate-alarms' })).toThrow(
      /webhookAlarmTopicArn/,
    );
  });

  it('gives the functions the table and the queue, never MAILGATE_WEBHOOK_ALLOW_PRIVATE; the poller its connections per account', () => {
    const template = buildTemplate({ webhooks: true, webhookConnectionsPerAccount: 2 });
    const { api, poller, delivery } = functionsOf(template);
    const tableId = logicalId(template, 'AWS::DynamoDB::Table', () => true);
    const queueId = logicalId(template, 'AWS::SQS::Queue', (props) => props.RedrivePolicy !== undefined);
    for (const fn of [api, poller, delivery]) {
      const env = environmentOf(fn);
      expect(env.MAILGATE_WEBHOOK_TABLE).toEqual({ Ref: tableId });
      expect(env.MAILGATE_WEBHOOK_QUEUE_URL).toEqual({ Ref: queueId });
      expect(env).not.toHaveProperty('MAILGATE_WEBHOOK_ALLOW_PRIVATE');
    }
    expect(environmentOf(poller).MAILGATE_WEBHOOK_ACCOUNT_CONNECTIONS).toBe('2');
    expect(poller!.props).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Timeout: 55 });
    expect(delivery!.props).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    // Default Lambda networking: no VPC, so the delivery function reaches receivers on the internet.
    expect(delivery!.props.VpcConfig).toBeUndefined();
  });

  it('refuses segments and connections outside their ranges; takes them from context', () => {
    expect(() => buildTemplate({ webhooks: true, webhookSegments: 0 })).toThrow(/segments/);
    // Each segment is a schedule resource: a stack holds at most 500 resources.
    expect(MAX_WEBHOOK_SEGMENTS).toBe(100);
    expect(() => buildTemplate({ webhooks: true, webhookSegments: 101 })).toThrow(/segments.*100/);
    expect(() => buildTemplateFromContext({ webhooks: 'true', webhookSegments: '101' })).toThrow(
      /segments.*100/,
    );
    const most = buildTemplate({ webhooks: true, webhookSegments: 100 });
    expect(Object.keys(most.findResources('AWS::Scheduler::Schedule'))).toHaveLength(100);
    expect(Object.keys(most.toJSON().Resources as Resources).length).toBeLessThanOrEqual(500);
    expect(() => buildTemplate({ webhooks: true, webhookConnectionsPerAccount: 0 })).toThrow(/connections/);
    expect(() => buildTemplateFromContext({ webhooks: 'maybe' })).toThrow(/webhooks/);
    const fromContext = buildTemplateFromContext({
      webhooks: 'true',
      webhookSegments: '2',
      webhookConnectionsPerAccount: '3',
    });
    expect(Object.keys(fromContext.findResources('AWS::Scheduler::Schedule'))).toHaveLength(2);
    expect(environmentOf(functionsOf(fromContext).poller).MAILGATE_WEBHOOK_ACCOUNT_CONNECTIONS).toBe('3');
  });
});
