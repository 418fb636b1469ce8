import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type HttpRequest, HttpResponse } from '@smithy/protocol-http';
import type { LogFields, Logger } from '../../../lib/mail/logger.js';
import type { LambdaContextLike } from '../../../lib/webhooks/aws/handlers.js';

/** Shared by the AWS webhook tests: the SQS client's transport, Lambda's context and event shapes, a log. */

/** One message the code under test sent to the queue. */
export interface SentMessage {
  body: string;
  delaySeconds: number;
  /** Which SendMessageBatch call carried it (0-based). */
  call: number;
}

/**
 * A real SQSClient whose transport answers SendMessageBatch in-process
 * (AWS JSON 1.0, as the client speaks it) and records every message; it
 * can refuse the next calls with a service error.
 */
export function createSqsCapture() {
  const sent: SentMessage[] = [];
  const operations: string[] = [];
  let calls = 0;
  let failNext = 0;
  let failEntries = 0;
  const handler = {
    async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
      const operation = String(request.headers['x-amz-target'] ?? '').replace('AmazonSQS.', '');
      operations.push(operation);
      const raw = request.body as string | Uint8Array;
      const input = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw)) as {
        QueueUrl: string;
        Entries: Array<{ Id: string; MessageBody: string; DelaySeconds?: number }>;
      };
      const headers = { 'content-type': 'application/x-amz-json-1.0' };
      if (failNext > 0) {
        failNext -= 1;
        return {
          response: new HttpResponse({
            statusCode: 500,
            headers: { ...headers, 'x-amzn-query-error': 'InternalError;Receiver' },
            body: Readable.from([Buffer.from(JSON.stringify({ __type: 'InternalError', message: 'test' }))]),
          }),
        };
      }
      const call = calls++;
      const refused = input.Entries.slice(0, failEntries);
      failEntries -= refused.length;
      const accepted = input.Entries.slice(refused.length);
      for (const entry of accepted) {
        sent.push({ body: entry.MessageBody, delaySeconds: entry.DelaySeconds ?? 0, call });
      }
      const answer = {
        Failed: refused.map((entry) => ({ Id: entry.Id, SenderFault: false, Code: 'InternalError' })),
        Successful: accepted.map((entry) => ({
          Id: entry.Id,
          MessageId: randomUUID(),
          // The client checks it against the body it sent.
          MD5OfMessageBody: createHash('md5').update(entry.MessageBody).digest('hex'),
        })),
      };
      return {
        response: new HttpResponse({
          statusCode: 200,
          headers,
          body: Readable.from([Buffer.from(JSON.stringify(answer))]),
        }),
      };
    },
  };
  const client = new SQSClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret-key' },
    endpoint: 'http://127.0.0.1:9',
    maxAttempts: 1,
    requestHandler: handler,
  });
  return {
    client,
    queueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/mailgate-webhooks',
    sent,
    operations,
    /** Batch calls answered so far. */
    calls: () => calls,
    /** Takes the messages sent so far. */
    take: (): SentMessage[] => sent.splice(0),
    /** The next `count` calls fail as a whole (a 500). */
    failNextCalls(count: number) {
      failNext = count;
    },
    /** The next `count` entries are answered as Failed (the queue's fault), the rest of their batch sent. */
    failNextEntries(count: number) {
      failEntries = count;
    },
  };
}

/** A Lambda context with `ms` left (shrinking as real time passes). */
export function lambdaContext(ms = 60_000, requestId: string = randomUUID()): LambdaContextLike {
  const end = performance.now() + ms;
  return { awsRequestId: requestId, getRemainingTimeInMillis: () => Math.max(0, end - performance.now()) };
}

/** What EventBridge Scheduler passes the poller: the schedule's input as is. */
export function schedulerEvent(segment: number, segments: number) {
  return { segment, segments };
}

/** An SQS event as Lambda's event source mapping delivers it. */
export function sqsEvent(bodies: string[]) {
  return {
    Records: bodies.map((body) => ({
      messageId: randomUUID(),
      receiptHandle: `AQEB${randomUUID()}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '0',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:111122223333:mailgate-webhooks',
      awsRegion: 'eu-west-1',
    })),
  };
}

export interface LogLine {
  level: string;
  message: string;
  fields: LogFields;
}

/** A logger that keeps its lines (children merge their fields). */
export function recordingLogger(lines: LogLine[] = [], base: LogFields = {}): Logger & { lines: LogLine[] } {
  const at =
    (level: string) =>
    (message: string, fields: LogFields = {}) =>
      lines.push({ level, message, fields: { ...base, ...fields } });
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => recordingLogger(lines, { ...base, ...fields }),
  };
}
