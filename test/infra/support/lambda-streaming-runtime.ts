import { Writable } from 'node:stream';

/**
 * A minimal stand-in for what the Node.js Lambda runtime gives a streaming
 * handler, modelled on aws-lambda-nodejs-runtime-interface-client:
 *
 * - `awslambda.streamifyResponse(handler)` marks the handler as streaming and
 *   returns it; the runtime then calls it as `handler(event, responseStream, context)`.
 * - the response stream is a Writable with `setContentType()` (allowed only
 *   before the first write) and an `_onBeforeFirstWrite(write)` hook that runs
 *   once, just before the first chunk goes out;
 * - `awslambda.HttpResponseStream.from(stream, metadata)` sets the content
 *   type `application/vnd.awslambda.http-integration-response` and installs a
 *   hook that writes the metadata as JSON followed by 8 NUL bytes. The
 *   Function URL service splits the bytes there into status/headers and body.
 *
 * The recorder below plays the service's part: it splits the prelude from the
 * body and hands body chunks to a sink as they arrive, so a 30 MB body is
 * hashed, never held.
 */

const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
export const HTTP_INTEGRATION_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
const DELIMITER = Buffer.alloc(8);

export type StreamingHandler = (event: unknown, stream: ResponseStream, context: unknown) => Promise<unknown>;

export interface StreamedResponse {
  contentType: string | undefined;
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  bodyBytes: number;
}

/** The runtime's response stream, recording what the Function URL service would receive. */
export class ResponseStream extends Writable {
  _onBeforeFirstWrite: ((write: (chunk: string | Uint8Array) => void) => void) | undefined;
  contentType: string | undefined;
  #started = false;
  #head: Buffer[] = [];
  #prelude: Record<string, unknown> | undefined;
  #bodyBytes = 0;
  readonly #onBody: (chunk: Buffer) => void;

  constructor(onBody: (chunk: Buffer) => void) {
    super({ highWaterMark: 64 * 1024 });
    this.#onBody = onBody;
  }

  setContentType(contentType: string): void {
    if (this.#started) throw new Error('setContentType must be called before the first write');
    this.contentType = contentType;
  }

  override write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    if (!this.#started) {
      this.#started = true;
      this._onBeforeFirstWrite?.((early) => super.write(early));
    }
    return super.write(chunk, encoding as BufferEncoding, callback as (error?: Error | null) => void);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.contentType === HTTP_INTEGRATION_CONTENT_TYPE && this.#prelude === undefined) {
      this.#head.push(chunk);
      const head = Buffer.concat(this.#head);
      const at = head.indexOf(DELIMITER);
      if (at !== -1) {
        this.#prelude = JSON.parse(head.subarray(0, at).toString('utf8')) as Record<string, unknown>;
        this.#head = [];
        this.#deliver(head.subarray(at + DELIMITER.length));
      }
    } else {
      this.#deliver(chunk);
    }
    // Asynchronous, like a socket: the producer must respect back-pressure.
    setImmediate(callback);
  }

  #deliver(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#bodyBytes += chunk.length;
    this.#onBody(chunk);
  }

  result(): StreamedResponse {
    const prelude = this.#prelude ?? {};
    return {
      contentType: this.contentType,
      statusCode: Number(prelude.statusCode ?? 200),
      headers: (prelude.headers as Record<string, string> | undefined) ?? {},
      cookies: (prelude.cookies as string[] | undefined) ?? [],
      bodyBytes: this.#bodyBytes,
    };
  }
}

/** Installs the `awslambda` global, as the runtime does before loading the handler module. */
export function installStreamingRuntime(): void {
  (globalThis as Record<string, unknown>).awslambda = {
    streamifyResponse(handler: StreamingHandler & { [STREAMING]?: string }) {
      handler[STREAMING] = 'response';
      return handler;
    },
    HttpResponseStream: {
      from(stream: ResponseStream, metadata: Record<string, unknown>) {
        stream.setContentType(HTTP_INTEGRATION_CONTENT_TYPE);
        const prelude = JSON.stringify(metadata);
        stream._onBeforeFirstWrite = (write) => {
          write(prelude);
          write(new Uint8Array(DELIMITER.length));
        };
        return stream;
      },
    },
  };
}

/** Runs one invocation the way the runtime does: the invocation ends when the handler settles and the stream finishes. */
export async function invokeStreaming(
  handler: StreamingHandler & { [STREAMING]?: string },
  event: unknown,
  context: unknown,
  onBody: (chunk: Buffer) => void,
): Promise<StreamedResponse> {
  if (handler[STREAMING] !== 'response')
    throw new Error('the handler was not wrapped by awslambda.streamifyResponse');
  const stream = new ResponseStream(onBody);
  const finished = new Promise<void>((resolve, reject) => {
    stream.once('finish', resolve);
    stream.once('error', reject);
  });
  await handler(event, stream, context);
  await finished;
  return stream.result();
}
