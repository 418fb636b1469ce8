import { Duration, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { MAIL_CONNECT_TIMEOUT_MS } from '../../infra/timeouts.js';
import {
  asList,
  buildTemplate,
  buildTemplateFromContext,
  findCycle,
  policyStatements,
  type Resources,
  render,
} from './support/template-helpers.js';

const SECRETS_ARN = 'arn:{AWS::Partition}:secretsmanager:{AWS::Region}:{AWS::AccountId}:secret:mailgate/*';
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function functions(template: Template) {
  const all = template.findResources('AWS::Lambda::Function') as Resources;
  const find = (description: string) => {
    const entry = Object.entries(all).find(([, each]) =>
      String(each.Properties?.Description).includes(description),
    );
    return entry === undefined
      ? undefined
      : { id: entry[0], props: entry[1].Properties as Record<string, unknown> };
  };
  return { all, api: find('JSON API'), downloads: find('downloads'), admin: find('account API') };
}

/** The logical id of a function's role. */
function roleOf(fn: { props: Record<string, unknown> } | undefined): string | undefined {
  return (fn?.props.Role as { 'Fn::GetAtt': [string, string] } | undefined)?.['Fn::GetAtt'][0];
}

const WRITE_ACTIONS = [
  'secretsmanager:CreateSecret',
  'secretsmanager:DeleteSecret',
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
];

function environmentOf(fn: { props: Record<string, unknown> } | undefined): Record<string, unknown> {
  return (fn?.props.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables ?? {};
}

describe('MailGateway template', () => {
  it('runs the three functions on Node 22, ARM64, with the bundled ESM handler', () => {
    const { all, api, downloads, admin } = functions(buildTemplate());
    expect(Object.keys(all)).toHaveLength(3);
    for (const fn of [api, downloads, admin]) {
      expect(fn?.props).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 1024,
      });
    }
  });

  it('grants the mail functions only GetSecretValue on the prefix pattern, plus writing each function its own log group', () => {
    const template = buildTemplate();
    const { api, downloads, admin } = functions(template);
    const statements = policyStatements(template);
    const secretStatements = statements.filter((s) =>
      asList(s.Action).some((a) => a.startsWith('secretsmanager:')),
    );
    // One per function role, each on exactly the prefix ARN.
    expect(secretStatements).toHaveLength(3);
    for (const statement of secretStatements) {
      expect(statement.Effect).toBe('Allow');
      expect(asList(statement.Resource).map(render)).toEqual([SECRETS_ARN]);
      expect(statement.Condition).toBeUndefined();
      expect(statement.roles).toHaveLength(1);
    }
    const secretActionsOf = (role: string | undefined) =>
      secretStatements
        .filter((s) => s.roles.includes(String(role)))
        .flatMap((s) => asList(s.Action))
        .sort();
    // The mail functions read, nothing more: no write action reaches their roles.
    expect(secretActionsOf(roleOf(api))).toEqual(['secretsmanager:GetSecretValue']);
    expect(secretActionsOf(roleOf(downloads))).toEqual(['secretsmanager:GetSecretValue']);
    // The account API's function manages the secrets under the prefix, and only those.
    expect(secretActionsOf(roleOf(admin))).toEqual(WRITE_ACTIONS);
    for (const role of [roleOf(api), roleOf(downloads)]) {
      const all = statements.filter((s) => s.roles.includes(String(role))).flatMap((s) => asList(s.Action));
      expect(
        all.filter((a) => a !== 'secretsmanager:GetSecretValue' && a.startsWith('secretsmanager:')),
      ).toEqual([]);
    }
    const actions = new Set(statements.flatMap((s) => asList(s.Action)));
    expect([...actions].sort()).toEqual(
      ['logs:CreateLogStream', 'logs:PutLogEvents', ...WRITE_ACTIONS].sort(),
    );
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      for (const resource of asList(statement.Resource)) expect(resource).not.toBe('*');
    }
    const logStatements = statements.filter((s) => asList(s.Action).includes('logs:PutLogEvents'));
    for (const statement of logStatements) {
      for (const resource of asList(statement.Resource)) expect(render(resource)).toMatch(/Logs/);
    }
    // No managed policies: AWSLambdaBasicExecutionRole would allow writing to every log group.
    for (const role of Object.values(template.findResources('AWS::IAM::Role') as Resources)) {
      expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties?.Policies).toBeUndefined();
    }
  });

  it('with OAuth2 write-back, lets the mail functions put account secrets only, and tells them so', () => {
    const template = buildTemplate(() => ({ oauthWriteBack: true }));
    const { api, downloads, admin } = functions(template);
    const statements = policyStatements(template);
    for (const fn of [api, downloads]) {
      const own = statements.filter((s) => s.roles.includes(String(roleOf(fn))));
      const secretActions = own
        .flatMap((s) => asList(s.Action))
        .filter((a) => a.startsWith('secretsmanager:'));
      expect(secretActions.sort()).toEqual([
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
      ]);
      const put = own.find((s) => asList(s.Action).includes('secretsmanager:PutSecretValue'));
      expect(asList(put?.Resource).map(render)).toEqual([
        SECRETS_ARN.replace('mailgate/*', 'mailgate/accounts/*'),
      ]);
      expect(environmentOf(fn).MAILGATE_OAUTH_WRITE_BACK).toBe('true');
    }
    expect(environmentOf(admin).MAILGATE_OAUTH_WRITE_BACK).toBe('true');
    // Off by default: no put, no setting.
    const plain = buildTemplate();
    for (const fn of [functions(plain).api, functions(plain).downloads]) {
      expect(environmentOf(fn).MAILGATE_OAUTH_WRITE_BACK).toBeUndefined();
    }
    // From context too.
    const fromContext = buildTemplateFromContext({ oauthWriteBack: 'true' });
    expect(environmentOf(functions(fromContext).api).MAILGATE_OAUTH_WRITE_BACK).toBe('true');
  });

  it('with a customer managed key, adds kms:Decrypt (and GenerateDataKey to write) on that key only and only via Secrets Manager', () => {
    const template = buildTemplate((app) => ({
      secretsKey: kms.Key.fromKeyArn(new Stack(app, 'Keys'), 'Key', KEY_ARN),
    }));
    const { admin } = functions(template);
    const decrypts = policyStatements(template).filter((s) =>
      asList(s.Action).some((a) => a.startsWith('kms:')),
    );
    expect(decrypts).toHaveLength(3);
    for (const statement of decrypts) {
      expect(asList(statement.Action)).toEqual(
        statement.roles.includes(String(roleOf(admin)))
          ? ['kms:Decrypt', 'kms:GenerateDataKey']
          : ['kms:Decrypt'],
      );
      expect(asList(statement.Resource)).toEqual([KEY_ARN]);
      expect(render(statement.Condition?.StringEquals?.['kms:ViaService'])).toBe(
        'secretsmanager.{AWS::Region}.amazonaws.com',
      );
    }
    // Without a key there is nothing to decrypt with: no KMS statement at all.
    expect(
      policyStatements(buildTemplate()).some((s) => asList(s.Action).some((a) => a.startsWith('kms:'))),
    ).toBe(false);
  });

  it('tells the admin function, and only it, the customer managed key to create secrets with, only when one is set', () => {
    const withKey = functions(
      buildTemplate((app) => ({
        secretsKey: kms.Key.fromKeyArn(new Stack(app, 'Keys'), 'Key', KEY_ARN),
      })),
    );
    expect(environmentOf(withKey.admin).MAILGATE_SECRETS_KMS_KEY_ID).toBe(KEY_ARN);
    expect(environmentOf(withKey.api).MAILGATE_SECRETS_KMS_KEY_ID).toBeUndefined();
    expect(environmentOf(withKey.downloads).MAILGATE_SECRETS_KMS_KEY_ID).toBeUndefined();
    // From context too.
    const fromContext = functions(buildTemplateFromContext({ secretsKeyArn: KEY_ARN }));
    expect(environmentOf(fromContext.admin).MAILGATE_SECRETS_KMS_KEY_ID).toBe(KEY_ARN);
    // Without a key: the AWS managed key, and no setting at all.
    const plain = functions(buildTemplate());
    for (const fn of [plain.admin, plain.api, plain.downloads]) {
      expect(environmentOf(fn)).not.toHaveProperty('MAILGATE_SECRETS_KMS_KEY_ID');
    }
  });

  it('serves downloads through a Function URL in RESPONSE_STREAM mode, authenticated by our own tokens', () => {
    const template = buildTemplate();
    const { downloads } = functions(template);
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', {
      InvokeMode: 'RESPONSE_STREAM',
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [downloads?.id, 'Arn'] },
    });
  });

  it('tells the API function where downloads are served, without a reference cycle', () => {
    const template = buildTemplate();
    const { api, downloads } = functions(template);
    const [urlId] = Object.keys(template.findResources('AWS::Lambda::Url'));
    expect(environmentOf(api).MAILGATE_DOWNLOAD_BASE_URL).toEqual({ 'Fn::GetAtt': [urlId, 'FunctionUrl'] });
    expect(environmentOf(downloads).MAILGATE_DOWNLOAD_BASE_URL).toBeUndefined();
    expect(findCycle(template.toJSON().Resources as Resources)).toBeUndefined();
  });

  it('without streaming downloads, builds no download function, no Function URL and no download base URL', () => {
    const template = buildTemplate({ streamingDownloads: false });
    const { all, api, downloads } = functions(template);
    expect(Object.keys(all)).toHaveLength(2);
    expect(downloads).toBeUndefined();
    template.resourceCountIs('AWS::Lambda::Url', 0);
    expect(environmentOf(api).MAILGATE_DOWNLOAD_BASE_URL).toBeUndefined();
    // The buffered limit still applies: large downloads are refused rather than cut off by the platform.
    expect(environmentOf(api).MAILGATE_MAX_BUFFERED_BYTES).toBe(String(4 * 1024 * 1024));
  });

  it('sets a retention on every log group and sends each function and the HTTP API to one', () => {
    const template = buildTemplate({ logRetention: logs.RetentionDays.TWO_WEEKS });
    const groups = template.findResources('AWS::Logs::LogGroup') as Resources;
    expect(Object.keys(groups)).toHaveLength(4);
    for (const group of Object.values(groups)) expect(group.Properties?.RetentionInDays).toBe(14);
    const targets = Object.values(functions(template).all).map(
      (fn) => (fn.Properties?.LoggingConfig as { LogGroup: { Ref: string } } | undefined)?.LogGroup.Ref,
    );
    expect(new Set(targets).size).toBe(3);
    for (const target of targets) expect(Object.keys(groups)).toContain(target);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AccessLogs'), 'Arn'] },
        Format: Match.stringLikeRegexp('"status":"\\$context.status"'),
      },
    });
  });

  it('puts no secret in any environment variable: exactly the expected settings, no credential-shaped values', () => {
    const template = buildTemplate();
    const { api, downloads, admin } = functions(template);
    const apiEnv = environmentOf(api);
    const downloadsEnv = environmentOf(downloads);
    const adminEnv = environmentOf(admin);
    expect(Object.keys(apiEnv).sort()).toEqual([
      'MAILGATE_DOWNLOAD_BASE_URL',
      'MAILGATE_LOG_LEVEL',
      'MAILGATE_MAX_BUFFERED_BYTES',
      'MAILGATE_MAX_REQUEST_MS',
      'MAILGATE_MAX_UPLOAD_BYTES',
      'MAILGATE_REQUEST_TIMEOUT_MS',
      'MAILGATE_SECRET_CACHE_SECONDS',
      'MAILGATE_SECRET_PREFIX',
      'MAILGATE_STORE',
    ]);
    expect(Object.keys(downloadsEnv).sort()).toEqual([
      'MAILGATE_LOG_LEVEL',
      'MAILGATE_REQUEST_TIMEOUT_MS',
      'MAILGATE_SECRET_CACHE_SECONDS',
      'MAILGATE_SECRET_PREFIX',
      'MAILGATE_STORE',
    ]);
    expect(Object.keys(adminEnv).sort()).toEqual([
      'MAILGATE_LOG_LEVEL',
      'MAILGATE_REQUEST_TIMEOUT_MS',
      'MAILGATE_SECRET_CACHE_SECONDS',
      'MAILGATE_SECRET_PREFIX',
      'MAILGATE_STORE',
    ]);
    // It reads what the CLI or another instance wrote, never a stale copy.
    expect(adminEnv.MAILGATE_SECRET_CACHE_SECONDS).toBe('0');
    for (const [key, value] of [
      ...Object.entries({ ...apiEnv, ...downloadsEnv }),
      ...Object.entries(adminEnv),
    ]) {
      expect(key).not.toMatch(/PASS|SECRET_KEY|TOKEN|ACCESS_KEY|CREDENTIAL/i);
      if (key === 'MAILGATE_DOWNLOAD_BASE_URL') continue;
      expect(typeof value).toBe('string');
      expect(value).toMatch(/^(secretsmanager|mailgate\/|info|\d+)$/);
    }
    // Nothing in the whole template is a secret reference or a stored secret.
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toMatch(/resolve:secretsmanager|AWS::SecretsManager::Secret|SecretString/);
  });

  it('maps stack traces to the sources at run time only when asked, from props or from context', () => {
    const nodeOptions = (template: Template) => {
      const { api, downloads, admin } = functions(template);
      return [
        environmentOf(api).NODE_OPTIONS,
        environmentOf(downloads).NODE_OPTIONS,
        environmentOf(admin).NODE_OPTIONS,
      ];
    };
    expect(nodeOptions(buildTemplate())).toEqual([undefined, undefined, undefined]);
    expect(nodeOptions(buildTemplate({ sourceMapStackTraces: true }))).toEqual([
      '--enable-source-maps',
      '--enable-source-maps',
      '--enable-source-maps',
    ]);
    expect(nodeOptions(buildTemplateFromContext({ sourceMapStackTraces: 'true' }))).toEqual([
      '--enable-source-maps',
      '--enable-source-maps',
      '--enable-source-maps',
    ]);
  });

  it("keeps the API function's bodies, base64-encoded, under Lambda's 6 MB payload cap both ways", () => {
    const env = environmentOf(functions(buildTemplate()).api);
    for (const key of ['MAILGATE_MAX_BUFFERED_BYTES', 'MAILGATE_MAX_UPLOAD_BYTES']) {
      const bytes = Number(env[key]);
      expect(bytes).toBeGreaterThanOrEqual(1024 * 1024);
      expect(Math.ceil(bytes / 3) * 4).toBeLessThan(6 * 1024 * 1024 - 64 * 1024);
    }
  });

  it('lines up the timeouts: integration > Lambda timeout > request deadline, with room to answer 504', () => {
    for (const [timeoutSeconds, downloadSeconds] of [
      [15, 15],
      [27, 300],
      [28, 900],
    ] as const) {
      const template = buildTemplate({
        timeout: Duration.seconds(timeoutSeconds),
        downloadTimeout: Duration.seconds(downloadSeconds),
      });
      const { api, downloads, admin } = functions(template);
      expect(api?.props.Timeout).toBe(timeoutSeconds);
      expect(admin?.props.Timeout).toBe(timeoutSeconds);
      expect(downloads?.props.Timeout).toBe(downloadSeconds);
      // A long poll may outlast the deadline but must end before the function does.
      const ceilingMs = Number(environmentOf(api).MAILGATE_MAX_REQUEST_MS);
      expect(ceilingMs).toBeGreaterThan(Number(environmentOf(api).MAILGATE_REQUEST_TIMEOUT_MS));
      expect(ceilingMs).toBeLessThan(timeoutSeconds * 1000);
      for (const fn of [api, downloads, admin]) {
        const lambdaMs = Number(fn?.props.Timeout) * 1000;
        const deadlineMs = Number(environmentOf(fn).MAILGATE_REQUEST_TIMEOUT_MS);
        expect(deadlineMs).toBeLessThanOrEqual(lambdaMs - 2000);
        expect(deadlineMs).toBeGreaterThanOrEqual(lambdaMs * 0.8);
        // An unreachable server is reported by the adapter's own connect timeout, before the deadline.
        expect(deadlineMs).toBeGreaterThan(MAIL_CONNECT_TIMEOUT_MS);
      }
      const integration = Object.values(
        template.findResources('AWS::ApiGatewayV2::Integration') as Resources,
      );
      // The JSON API's and the account API's.
      expect(integration).toHaveLength(2);
      for (const each of integration) {
        const integrationMs = Number(each.Properties?.TimeoutInMillis);
        expect(integrationMs).toBeGreaterThan(timeoutSeconds * 1000);
        expect(integrationMs).toBeLessThanOrEqual(30_000);
      }
    }
  });

  it('refuses an API timeout that API Gateway would cut off before the function answers', () => {
    expect(() => buildTemplate({ timeout: Duration.seconds(29) })).toThrow(
      /API Gateway ends every integration at 29 s/,
    );
    expect(() => buildTemplate({ timeout: Duration.minutes(2) })).toThrow(RangeError);
    expect(() => buildTemplate({ downloadTimeout: Duration.minutes(16) })).toThrow(/15 to 900/);
    expect(() => buildTemplate({ timeout: Duration.seconds(14) })).toThrow(/15 to 28/);
  });
});
