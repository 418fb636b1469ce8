import { randomUUID } from 'node:crypto';

export interface EventInput {
  method?: string;
  path: string;
  query?: string;
  headers?: Record<string, string>;
  /** A text body, sent as is (API Gateway passes a JSON body as text). */
  body?: string;
  /** The host the request was addressed to (API Gateway's or the Function URL's domain). */
  domainName: string;
}

/** A payload-format 2.0 event, the shape both HTTP API and Function URLs send. */
function buildV2Event(input: EventInput, apiId: string) {
  const now = new Date();
  const method = input.method ?? 'GET';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: input.path,
    rawQueryString: input.query ?? '',
    headers: {
      accept: '*/*',
      host: input.domainName,
      'user-agent': 'mailgate-tests',
      'x-forwarded-proto': 'https',
      'x-forwarded-for': '198.51.100.7',
      ...input.headers,
    },
    requestContext: {
      accountId: '111122223333',
      apiId,
      domainName: input.domainName,
      domainPrefix: input.domainName.split('.')[0],
      http: {
        method,
        path: input.path,
        protocol: 'HTTP/1.1',
        sourceIp: '198.51.100.7',
        userAgent: 'mailgate-tests',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(input.body === undefined ? {} : { body: input.body }),
    isBase64Encoded: false,
  };
}

/** What API Gateway HTTP API sends the JSON function. */
export function buildHttpApiEvent(input: EventInput) {
  return buildV2Event(input, input.domainName.split('.')[0] ?? 'api');
}

/** What a Function URL sends the download function: the same format, its url id in place of the API id. */
export function buildFunctionUrlEvent(input: EventInput) {
  return buildV2Event(input, input.domainName.split('.')[0] ?? 'url');
}

/** The parts of the Lambda context object handlers may read. */
export function buildLambdaContext(functionName: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:111122223333:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}
