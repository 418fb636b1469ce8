import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { handle } from 'hono/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsScriptSource, writeDocsScriptAsset } from '../../infra/docs-asset.js';
import { DOCS_SCRIPT_ASSET, DOCS_SCRIPT_PATH } from '../../lib/http/routes/meta/docs-script.js';
import { buildTestApp } from '../support/http-helpers.js';
import { buildHttpApiEvent, buildLambdaContext } from './support/lambda-events.js';

/** Lambda's cap on a buffered answer: the JSON the function returns, base64 body included. */
const LAMBDA_BUFFERED_LIMIT = 6 * 1024 * 1024;

interface BufferedResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

let taskRoot: string;
let source: Buffer;
let asset: Awaited<ReturnType<typeof writeDocsScriptAsset>>;
const savedTaskRoot = process.env.LAMBDA_TASK_ROOT;

beforeAll(async () => {
  taskRoot = await mkdtemp(join(tmpdir(), 'mailgate-task-root-'));
  source = await readFile(docsScriptSource());
  asset = await writeDocsScriptAsset(taskRoot);
  // What the Lambda runtime sets: the directory the function's bundle was unpacked to.
  process.env.LAMBDA_TASK_ROOT = taskRoot;
});

afterAll(async () => {
  if (savedTaskRoot === undefined) delete process.env.LAMBDA_TASK_ROOT;
  else process.env.LAMBDA_TASK_ROOT = savedTaskRoot;
  await rm(taskRoot, { recursive: true, force: true });
});

/** The app behind hono's buffered Lambda adapter, as functions/lambda-api.ts wraps it. */
async function invoke(headers: Record<string, string> = {}): Promise<BufferedResult> {
  const handler = handle(buildTestApp().app);
  const event = buildHttpApiEvent({
    path: DOCS_SCRIPT_PATH,
    domainName: 'a1b2c3.execute-api.eu-west-1.amazonaws.com',
    headers,
  });
  return (await handler(
    event as never,
    buildLambdaContext('mailgate-api', 30_000) as never,
  )) as BufferedResult;
}

describe('the /docs script on Lambda', () => {
  it('is written gzipped beside the bundle, byte-exact once inflated', async () => {
    expect(asset.path).toBe(join(taskRoot, DOCS_SCRIPT_ASSET));
    expect(asset.bytes).toBe(source.length);
    expect(gunzipSync(await readFile(asset.path)).equals(source)).toBe(true);
    expect(asset.gzipBytes).toBeLessThan(source.length / 2);
    console.info(`docs script: ${source.length} bytes, ${asset.gzipBytes} gzipped`);
  });

  it('is answered gzipped from the asset, well within the buffered answer cap', async () => {
    const result = await invoke({ 'accept-encoding': 'gzip, deflate, br' });
    expect(result.statusCode).toBe(200);
    expect(result.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(result.headers['content-encoding']).toBe('gzip');
    expect(result.headers['cache-control']).toMatch(/max-age=\d+/);
    expect(result.isBase64Encoded).toBe(true);
    expect(gunzipSync(Buffer.from(result.body, 'base64')).equals(source)).toBe(true);
    const payload = JSON.stringify(result).length;
    expect(payload).toBeLessThan(LAMBDA_BUFFERED_LIMIT / 2);
    console.info(`docs script answer on Lambda: ${payload} bytes of JSON`);
  });

  it('revalidates with its ETag', async () => {
    const first = await invoke();
    expect(first.headers['content-encoding']).toBe('gzip');
    const again = await invoke({ 'if-none-match': first.headers.etag! });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('is inflated for a client that refuses gzip, and still fits the cap', async () => {
    const result = await invoke({ 'accept-encoding': 'gzip;q=0, identity' });
    expect(result.statusCode).toBe(200);
    expect(result.headers['content-encoding']).toBeUndefined();
    expect(result.isBase64Encoded).toBe(false);
    expect(result.body).toBe(source.toString('utf8'));
    expect(JSON.stringify(result).length).toBeLessThan(LAMBDA_BUFFERED_LIMIT);
  });
});
