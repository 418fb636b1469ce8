import { Readable } from 'node:stream';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type HttpRequest, HttpResponse } from '@smithy/protocol-http';

export interface RecordedCall {
  /** The operation, from the X-Amz-Target header, e.g. `GetSecretValue`. */
  operation: string;
  /** The secret the call names (`SecretId` or `Name`). */
  secret: string;
  body: Record<string, unknown>;
}

function respond(statusCode: number, body: unknown, errorType?: string): { response: HttpResponse } {
  const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.1' };
  if (errorType !== undefined) headers['x-amzn-errortype'] = errorType;
  return {
    response: new HttpResponse({
      statusCode,
      headers,
      body: Readable.from([Buffer.from(JSON.stringify(body))]),
    }),
  };
}

function notFound() {
  return respond(
    400,
    { __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." },
    'ResourceNotFoundException',
  );
}

/** Runs before a call is answered; may wait (to order concurrent calls) or change the secrets. */
export type CallInterceptor = (call: RecordedCall) => Promise<void> | void;

/**
 * The transport under a real SecretsManagerClient: answers the five
 * operations the store uses from an in-memory map of secrets, records every
 * call, can be told to fail the next calls with a given AWS error, and can
 * hold a call back (see `intercept`) to interleave concurrent writers.
 */
export function createFakeSecretsTransport(initial: Record<string, string> = {}) {
  const secrets = new Map(Object.entries(initial));
  const calls: RecordedCall[] = [];
  let failure: { type: string; status: number } | undefined;
  let interceptor: CallInterceptor | undefined;

  const handler = {
    async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
      const operation = String(request.headers['x-amz-target'] ?? '').replace('secretsmanager.', '');
      const raw = request.body as string | Uint8Array;
      const text = typeof raw === 'string' ? raw : new TextDecoder().decode(raw);
      const body = JSON.parse(text) as Record<string, unknown>;
      const secret = String(body.SecretId ?? body.Name);
      const call = { operation, secret, body };
      calls.push(call);
      await interceptor?.(call);
      if (failure !== undefined) {
        return respond(failure.status, { __type: failure.type, Message: 'denied by test' }, failure.type);
      }
      const arn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${secret}-AbCdEf`;
      switch (operation) {
        case 'GetSecretValue': {
          const value = secrets.get(secret);
          return value === undefined
            ? notFound()
            : respond(200, { ARN: arn, Name: secret, SecretString: value });
        }
        case 'PutSecretValue':
          if (!secrets.has(secret)) return notFound();
          secrets.set(secret, String(body.SecretString));
          return respond(200, { ARN: arn, Name: secret, VersionId: 'v1' });
        case 'CreateSecret':
          secrets.set(secret, String(body.SecretString));
          return respond(200, { ARN: arn, Name: secret, VersionId: 'v1' });
        case 'DescribeSecret':
          return secrets.has(secret) ? respond(200, { ARN: arn, Name: secret }) : notFound();
        case 'DeleteSecret':
          secrets.delete(secret);
          return respond(200, { ARN: arn, Name: secret, DeletionDate: Date.now() / 1000 });
        default:
          return respond(
            400,
            { __type: 'InvalidRequestException', Message: operation },
            'InvalidRequestException',
          );
      }
    },
  };

  const client = new SecretsManagerClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret-key' },
    // Never contacted: the request handler answers every call in-process.
    endpoint: 'http://127.0.0.1:9',
    maxAttempts: 1,
    requestHandler: handler,
  });

  return {
    client,
    secrets,
    calls,
    /** Operations and secret names called so far, then forgets them. */
    take(): string[] {
      const taken = calls.splice(0).map((call) => `${call.operation} ${call.secret}`);
      return taken;
    },
    failWith(type: string | undefined, status = 400): void {
      failure = type === undefined ? undefined : { type, status };
    },
    /** Every call waits for `run` before it is answered (undefined: no longer). */
    intercept(run: CallInterceptor | undefined): void {
      interceptor = run;
    },
  };
}
