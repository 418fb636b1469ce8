import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildTemplate, buildTemplateFromContext, type Resources } from './support/template-helpers.js';

describe('MailGateway front door', () => {
  it('routes every path of the HTTP API to the JSON function, throttled, with payload format 2.0', () => {
    const template = buildTemplate({ throttle: { rateLimit: 20, burstLimit: 40 } });
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
  });

  it('throttles by default, so a runaway client cannot fan out unbounded mail sessions', () => {
    buildTemplate().hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  it('sends the account API to its own function and everything else to the JSON function', () => {
    const template = buildTemplate();
    const fns = template.findResources('AWS::Lambda::Function') as Resources;
    const idOf = (part: string) =>
      Object.entries(fns).find(([, fn]) => String(fn.Properties?.Description).includes(part))![0];
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration') as Resources;
    const targetOf = (integrationId: string) => {
      const uri = JSON.stringify(integrations[integrationId]?.Properties?.IntegrationUri);
      return Object.keys(fns).find((fnId) => uri.includes(`"${fnId}"`));
    };
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route') as Resources).map(
      (route) => {
        const join = (route.Properties!.Target as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
        const target = join[1]
          .map((part) => (typeof part === 'string' ? part : (part as { Ref: string }).Ref))
          .join('');
        return [String(route.Properties?.RouteKey), targetOf(target.replace(/^integrations\//, ''))];
      },
    );
    expect(routes.sort()).toEqual(
      [
        ['$default', idOf('JSON API')],
        ['DELETE /v1/accounts/{account}', idOf('account API')],
        ['DELETE /v1/tokens/{tokenId}', idOf('account API')],
        ['GET /v1/tokens', idOf('account API')],
        ['HEAD /v1/tokens', idOf('account API')],
        ['POST /v1/tokens', idOf('account API')],
        ['PUT /v1/accounts/{account}', idOf('account API')],
      ].sort(),
    );
    // API Gateway may invoke the admin function, and only from this API.
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [idOf('account API'), 'Arn'] },
      Principal: 'apigateway.amazonaws.com',
    });
  });

  it('without the account API, builds no admin function and routes everything to the JSON function', () => {
    const template = buildTemplate({ accountApi: false });
    const descriptions = Object.values(template.findResources('AWS::Lambda::Function') as Resources).map(
      (fn) => String(fn.Properties?.Description),
    );
    expect(descriptions.some((d) => d.includes('account API'))).toBe(false);
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    buildTemplateFromContext({ accountApi: 'false' }).resourceCountIs('AWS::ApiGatewayV2::Route', 1);
  });

  it('answers CORS for the configured origins on both the API and the download URL', () => {
    const origins = ['https://mail.example.com', 'https://admin.example.com'];
    const template = buildTemplate({ corsOrigins: origins });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: origins,
        AllowHeaders: Match.arrayWith(['authorization', 'content-type']),
        AllowMethods: Match.arrayWith(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
        ExposeHeaders: Match.arrayWith(['content-disposition', 'www-authenticate', 'x-request-id']),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Url', {
      Cors: {
        AllowOrigins: origins,
        AllowHeaders: ['authorization'],
        AllowMethods: Match.arrayWith(['GET']),
        ExposeHeaders: Match.arrayWith(['content-disposition', 'content-length']),
      },
    });
  });

  it('sends no CORS headers at all when no origin is configured', () => {
    const template = buildTemplate();
    const api = Object.values(template.findResources('AWS::ApiGatewayV2::Api') as Resources)[0];
    expect(api?.Properties?.CorsConfiguration).toBeUndefined();
    const url = Object.values(template.findResources('AWS::Lambda::Url') as Resources)[0];
    expect(url?.Properties?.Cors).toBeUndefined();
  });

  it('bounds each function by its reserved concurrency (the cap on simultaneous mail sessions)', () => {
    const template = buildTemplate({
      reservedConcurrency: 10,
      downloadReservedConcurrency: 4,
      adminReservedConcurrency: 1,
    });
    const reserved = Object.values(template.findResources('AWS::Lambda::Function') as Resources)
      .map((fn) => [String(fn.Properties?.Description), fn.Properties?.ReservedConcurrentExecutions])
      .sort();
    expect(reserved).toEqual([
      ['mailgate JSON API', 10],
      ['mailgate account API (admin tokens)', 1],
      ['mailgate raw and attachment downloads (streamed)', 4],
    ]);
    // Unreserved unless asked: a new AWS account cannot reserve any concurrency at all.
    const admin = Object.values(buildTemplate().findResources('AWS::Lambda::Function') as Resources).find(
      (fn) => String(fn.Properties?.Description).includes('account API'),
    );
    expect(admin?.Properties?.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('exports the API and download URLs as stack outputs', () => {
    const outputs = buildTemplate().toJSON().Outputs as Record<string, { Value: unknown }>;
    const values = Object.entries(outputs).map(([key, output]) => [
      key.replace(/[A-F0-9]{8}$/, ''),
      output.Value,
    ]);
    expect(values).toEqual(
      expect.arrayContaining([
        ['GatewayApiUrl', { 'Fn::GetAtt': [expect.stringMatching(/^GatewayHttp/), 'ApiEndpoint'] }],
        ['GatewayDownloadUrl', { 'Fn::GetAtt': [expect.stringMatching(/FunctionUrl/), 'FunctionUrl'] }],
      ]),
    );
  });
});

describe('MailGateway props', () => {
  it.each([
    ['', /empty prefix would grant every secret/],
    ['mailgate/*', /secretPrefix must be/],
    ['mail gate/', /secretPrefix must be/],
  ])('refuses the secret prefix %j, which would widen or break the grant', (prefix, message) => {
    expect(() => buildTemplate({ secretPrefix: prefix })).toThrow(message);
  });

  it('refuses a buffered limit whose base64 would not fit the 6 MB response cap', () => {
    expect(() => buildTemplate({ maxBufferedBytes: 5 * 1024 * 1024 })).toThrow(/6 MB/);
  });

  it('reads every setting from CDK context as `cdk deploy -c key=value` passes them (strings)', () => {
    const template = buildTemplateFromContext({
      secretPrefix: 'prod/mailgate/',
      memorySize: '512',
      timeoutSeconds: '20',
      downloadTimeoutSeconds: '600',
      reservedConcurrency: '12',
      adminReservedConcurrency: '2',
      corsOrigins: 'https://a.example, https://b.example',
      logRetentionDays: '90',
      logLevel: 'warn',
    });
    const fns = Object.values(template.findResources('AWS::Lambda::Function') as Resources);
    for (const fn of fns) {
      const admin = String(fn.Properties?.Description).includes('account API');
      expect(fn.Properties).toMatchObject({ MemorySize: 512, ReservedConcurrentExecutions: admin ? 2 : 12 });
      expect(fn.Properties?.Environment).toMatchObject({
        Variables: { MAILGATE_SECRET_PREFIX: 'prod/mailgate/', MAILGATE_LOG_LEVEL: 'warn' },
      });
    }
    expect(fns.map((fn) => fn.Properties?.Timeout).sort()).toEqual([20, 20, 600]);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: { AllowOrigins: ['https://a.example', 'https://b.example'] },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Resource: { 'Fn::Join': ['', Match.arrayWith([':secret:prod/mailgate/*'])] },
          }),
        ]),
      },
    });
  });

  it('turns streaming downloads off from context, and names the bad key when a value is unusable', () => {
    buildTemplateFromContext({ streamingDownloads: 'false' }).resourceCountIs('AWS::Lambda::Url', 0);
    expect(() => buildTemplateFromContext({ accountApi: 'perhaps' })).toThrow(/context accountApi/);
    expect(() => buildTemplateFromContext({ memorySize: 'lots' })).toThrow(/context memorySize/);
    expect(() => buildTemplateFromContext({ logRetentionDays: '8' })).toThrow(/context logRetentionDays/);
    expect(() => buildTemplateFromContext({ streamingDownloads: 'maybe' })).toThrow(
      /context streamingDownloads/,
    );
  });
});
