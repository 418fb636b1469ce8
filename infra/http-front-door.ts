import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export interface ThrottleProps {
  /** Steady requests per second across the stage. */
  rateLimit: number;
  /** Requests allowed in a burst above the rate. */
  burstLimit: number;
}

/** Routes that another integration serves instead of the default one. */
export interface FrontDoorRoute {
  path: string;
  methods: apigw.HttpMethod[];
  integration: apigw.HttpRouteIntegration;
}

export interface HttpFrontDoorProps {
  /** Serves every request no route in `routes` matches (the `$default` route). */
  integration: apigw.HttpRouteIntegration;
  /** Routes with an integration of their own (the account API): API Gateway prefers them to `$default`. */
  routes?: FrontDoorRoute[];
  corsOrigins: string[];
  throttle: ThrottleProps;
  logRetention: logs.RetentionDays;
}

/**
 * One access-log line per request as JSON, with HTTP API's own variables.
 * No headers and no query string: the Authorization header carries the
 * bearer token and the query can carry search terms.
 */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  time: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  method: '$context.httpMethod',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  userAgent: '$context.identity.userAgent',
};

/**
 * The HTTP API in front of the JSON function: every request goes to it (the
 * app does its own routing and authentication) except the `routes` given
 * with their own integration, which API Gateway matches before `$default`;
 * on a `$default` stage with throttling and JSON access logs. CORS
 * preflights are answered by API Gateway itself when origins are configured.
 */
export function createHttpFrontDoor(scope: Construct, id: string, props: HttpFrontDoorProps): apigw.HttpApi {
  const httpApi = new apigw.HttpApi(scope, id, {
    description: 'mailgate JSON API',
    defaultIntegration: props.integration,
    createDefaultStage: false,
    corsPreflight:
      props.corsOrigins.length === 0
        ? undefined
        : {
            allowOrigins: props.corsOrigins,
            allowMethods: [
              apigw.CorsHttpMethod.GET,
              apigw.CorsHttpMethod.HEAD,
              apigw.CorsHttpMethod.POST,
              apigw.CorsHttpMethod.PUT,
              apigw.CorsHttpMethod.PATCH,
              apigw.CorsHttpMethod.DELETE,
            ],
            allowHeaders: ['authorization', 'content-type'],
            exposeHeaders: [
              'content-disposition',
              'location',
              'retry-after',
              'www-authenticate',
              'x-request-id',
            ],
            maxAge: Duration.hours(1),
          },
  });
  for (const route of props.routes ?? []) {
    httpApi.addRoutes({ path: route.path, methods: route.methods, integration: route.integration });
  }
  const accessLogs = new logs.LogGroup(scope, `${id}AccessLogs`, {
    retention: props.logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  new apigw.HttpStage(scope, `${id}Stage`, {
    httpApi,
    stageName: '$default',
    autoDeploy: true,
    throttle: props.throttle,
    accessLogSettings: {
      destination: new apigw.LogGroupLogDestination(accessLogs),
      format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
    },
  });
  return httpApi;
}
