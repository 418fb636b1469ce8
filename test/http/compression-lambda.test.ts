import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { handle } from 'hono/aws-lambda';
import { describe, expect, it } from 'vitest';
import { buildHttpApiEvent, buildLambdaContext } from '../infra/support/lambda-events.js';
import { buildTestApp, TOKENS } from '../support/http-helpers.js';
import { buildDownload, buildMailbox, buildMessage } from '../support/memory-store.js';
import { buildRealisticInbox } from '../support/realistic-inbox.js';

const LIST = '/v1/accounts/alpha/mailboxes/INBOX/messages';
const DOMAIN = 'abc123.execute-api.eu-west-1.amazonaws.com';

interface LambdaResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/**
 * The buffered API function as functions/lambda-api.ts builds it (hono's
 * `handle` around the app), over the in-memory store, with the function's
 * buffered limit set as the stack sets it.
 */
function lambdaApi(data = buildRealisticInbox(50)) {
  const { app } = buildTestApp({ data, config: { MAILGATE_MAX_BUFFERED_BYTES: 4 * 1024 * 1024 } });
  const handler = handle(app);
  return async (path: string, headers: Record<string, string>): Promise<LambdaResult> => {
    const event = buildHttpApiEvent({
      path,
      domainName: DOMAIN,
      headers: { authorization: `Bearer ${TOKENS.readAlpha}`, ...headers },
    });
    return (await handler(event as never, buildLambdaContext('api', 30_000) as never)) as LambdaResult;
  };
}

describe('compression on Lambda (API Gateway v2 events)', () => {
  it('base64-encodes a br-coded list, which decodes to the JSON the uncoded answer carries', async () => {
    const invoke = lambdaApi();
    const plain = await invoke(LIST, {});
    expect(plain.statusCode).toBe(200);
    expect(plain.isBase64Encoded).toBe(false);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('Accept-Encoding');
    const json = JSON.parse(plain.body) as { messages: unknown[] };
    expect(json.messages).toHaveLength(50);

    for (const [header, decode] of [
      ['br', brotliDecompressSync],
      ['gzip', gunzipSync],
    ] as const) {
      const coded = await invoke(LIST, { 'accept-encoding': header });
      expect(coded.statusCode).toBe(200);
      expect(coded.isBase64Encoded, header).toBe(true);
      expect(coded.headers['content-encoding']).toBe(header);
      expect(coded.headers.vary).toBe('Accept-Encoding');
      const bytes = Buffer.from(coded.body, 'base64');
      expect(coded.headers['content-length']).toBe(String(bytes.byteLength));
      // What Lambda sends (base64 text) is still far smaller than the uncoded JSON.
      expect(coded.body.length * 3).toBeLessThan(plain.body.length);
      expect(JSON.parse(decode(bytes).toString('utf8'))).toEqual(json);
    }
  });

  it('sends a raw download byte for byte, uncoded, with its exact length', async () => {
    const source = Buffer.from(
      `Subject: Lambda\r\n\r\n${'Plain text that would compress well. '.repeat(100)}\r\n`,
    );
    const invoke = lambdaApi({
      mailboxes: [buildMailbox()],
      messages: [buildMessage()],
      downloads: { 'i-msg-1': () => buildDownload({ chunks: [source] }) },
    });
    const result = await invoke('/v1/accounts/alpha/messages/i-msg-1/raw', { 'accept-encoding': 'gzip, br' });
    expect(result.statusCode).toBe(200);
    expect(result.headers['content-encoding']).toBeUndefined();
    expect(result.headers['content-length']).toBe(String(source.byteLength));
    const bytes = result.isBase64Encoded
      ? Buffer.from(result.body, 'base64')
      : Buffer.from(result.body, 'utf8');
    expect(bytes.equals(source)).toBe(true);
  });
});
