import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBigMessage } from '../../lib/devmail/big-message.js';
import {
  ACCOUNT_ID,
  type BufferedResult,
  DOWNLOAD_BASE_URL,
  type GatewayBundles,
  loadGatewayBundles,
} from './support/bundle-fixture.js';
import { HTTP_INTEGRATION_CONTENT_TYPE } from './support/lambda-streaming-runtime.js';

/** Lambda's cap on a buffered response payload. */
const LAMBDA_BUFFERED_LIMIT = 6 * 1024 * 1024;
const huge = buildBigMessage(30 * 1024 * 1024, { subject: 'Thirty megabytes', seed: 30 });
const tenMb = buildBigMessage(7_600_000, { subject: 'Ten megabytes raw', seed: 10 });
const small = Buffer.from(
  'From: Carol <carol@example.com>\r\nTo: Alice <alice@example.com>\r\nSubject: Small hello\r\n' +
    'Date: Mon, 02 Nov 2026 09:00:00 +0000\r\nMessage-ID: <small@example.com>\r\n\r\nHello from a small message.\r\n',
);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let gw: GatewayBundles;
const inbox = `/v1/accounts/${ACCOUNT_ID}/mailboxes/INBOX`;
const json = (result: BufferedResult) => JSON.parse(result.body) as Record<string, unknown>;

async function messageIdBySubject(subject: string): Promise<string> {
  const list = json(await gw.callApi(`${inbox}/messages`)) as {
    messages: Array<{ id: string; subject: string }>;
  };
  const found = list.messages.find((m) => m.subject === subject);
  if (found === undefined) throw new Error(`no message "${subject}"`);
  return found.id;
}

beforeAll(async () => {
  gw = await loadGatewayBundles([{ raw: small }, { raw: tenMb.raw }, { raw: huge.raw }]);
}, 600_000);

afterAll(async () => {
  await gw?.close();
});

describe('cdk synth and the synthesized bundles', () => {
  it('synthesizes offline, without credentials, into self-contained minified ESM bundles with source maps', async () => {
    expect(gw.synthesis.proxiedConnections).toBe(0);
    for (const part of ['JSON API', 'downloads']) {
      const { assetDir } = gw.synthesis.fn(part);
      const code = await readFile(join(assetDir, 'index.mjs'), 'utf8');
      expect((await stat(join(assetDir, 'index.mjs.map'))).size).toBeGreaterThan(0);
      // Linked, so that --enable-source-maps finds the map (checked as a boolean: the bundle is megabytes).
      expect(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/.test(code)).toBe(true);
      // Minified: thousands of characters per line (formatted code averages well under a hundred).
      expect(code.length / code.split('\n').length).toBeGreaterThan(2000);
      // Self-contained: the SDK is bundled (faster init than the runtime's copy), nothing left to resolve.
      expect(/from\s*"@aws-sdk\//.test(code)).toBe(false);
      expect(code.includes('SecretsManagerServiceException')).toBe(true);
    }
    // CloudFormation schema validation ran over the template and found nothing (errors would fail the synth).
    const report = JSON.parse(
      await readFile(join(gw.synthesis.outdir, 'validation-report.json'), 'utf8'),
    ) as {
      pluginReports: Array<{ violations?: unknown[] }>;
    };
    expect(report.pluginReports.flatMap((each) => each.violations ?? [])).toEqual([]);
  });
});

describe('the buffered API bundle, invoked with API Gateway v2 events', () => {
  it('lists the INBOX, newest first, with credentials read through the real SDK from the stubbed Secrets Manager', async () => {
    const result = await gw.callApi(`${inbox}/messages`);
    expect(result.statusCode).toBe(200);
    expect(result.headers['content-type']).toMatch(/^application\/json/);
    const subjects = (json(result).messages as Array<{ subject: string }>).map((m) => m.subject);
    expect(subjects).toEqual(['Thirty megabytes', 'Ten megabytes raw', 'Small hello']);
    expect(gw.secrets.requested.every((name) => name.startsWith('mailgate/'))).toBe(true);
    expect(gw.secrets.requested).toContain(`mailgate/accounts/${ACCOUNT_ID}`);
    expect(gw.secrets.authorizations[0]).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/secretsmanager\//,
    );
  });

  it('gets one message with download links pointing at the streaming Function URL', async () => {
    const id = await messageIdBySubject('Thirty megabytes');
    const result = await gw.callApi(`${inbox}/messages/${id}`);
    expect(result.statusCode).toBe(200);
    const message = json(result) as {
      subject: string;
      rawUrl: string;
      attachments: Array<{ filename: string; downloadUrl: string }>;
    };
    expect(message.subject).toBe('Thirty megabytes');
    expect(message.rawUrl).toBe(
      `${DOWNLOAD_BASE_URL}v1/accounts/${ACCOUNT_ID}/mailboxes/INBOX/messages/${id}/raw`,
    );
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]?.filename).toBe(huge.filename);
    expect(message.attachments[0]?.downloadUrl.startsWith(`${DOWNLOAD_BASE_URL}v1/accounts/`)).toBe(true);
  });

  it('answers 404 account_not_found for an account the token does not grant', async () => {
    const result = await gw.callApi('/v1/accounts/someone-else/mailboxes/INBOX/messages');
    expect(result.statusCode).toBe(404);
    expect(result.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(json(result)).toMatchObject({ status: 404, code: 'account_not_found' });
  });

  it('answers 401 with a Bearer challenge without a token, and with an unknown one', async () => {
    for (const token of [null, 'mg_aaaaaaaaaaaa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      const result = await gw.callApi(`${inbox}/messages`, { token });
      expect(result.statusCode).toBe(401);
      expect(result.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(json(result)).toMatchObject({ code: 'unauthorized' });
    }
  });

  it('returns a small raw message itself, byte for byte', async () => {
    const result = await gw.callApi(`${inbox}/messages/${await messageIdBySubject('Small hello')}/raw`);
    expect(result.statusCode).toBe(200);
    expect(result.isBase64Encoded).toBe(true);
    expect(sha256(Buffer.from(result.body, 'base64'))).toBe(sha256(small));
  });

  it('never attempts a 10 MB buffered response: it redirects to the streaming URL instead', async () => {
    expect(tenMb.raw.length).toBeGreaterThan(10_000_000);
    const id = await messageIdBySubject('Ten megabytes raw');
    const path = `${inbox}/messages/${id}/raw`;
    const result = await gw.callApi(path);
    expect(result.statusCode).toBe(307);
    expect(result.headers.location).toBe(`${DOWNLOAD_BASE_URL}${path.slice(1)}`);
    expect(result.body.length).toBeLessThan(LAMBDA_BUFFERED_LIMIT / 100);
  });
});

describe('the streaming download bundle, invoked with Function URL events', () => {
  it('streams a 30 MB attachment byte-exact, with its length announced up front', async () => {
    const id = await messageIdBySubject('Thirty megabytes');
    const message = json(await gw.callApi(`${inbox}/messages/${id}`)) as {
      attachments: Array<{ downloadUrl: string }>;
    };
    const path = new URL(message.attachments[0]!.downloadUrl).pathname;
    const hash = createHash('sha256');
    const started = performance.now();
    const response = await gw.callDownloads(path, (chunk) => hash.update(chunk));
    const seconds = (performance.now() - started) / 1000;
    expect(response.contentType).toBe(HTTP_INTEGRATION_CONTENT_TYPE);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/octet-stream; name=archive.bin');
    expect(response.headers['content-disposition']).toContain(huge.filename);
    expect(response.bodyBytes).toBe(huge.attachment.length);
    expect(hash.digest('hex')).toBe(huge.attachmentSha256);
    console.info(`streamed the ${huge.attachment.length}-byte attachment in ${seconds.toFixed(2)} s`);
  }, 120_000);

  it('serves the 10 MB raw message the API redirected, byte for byte', async () => {
    const redirect = await gw.callApi(
      `${inbox}/messages/${await messageIdBySubject('Ten megabytes raw')}/raw`,
    );
    const hash = createHash('sha256');
    const response = await gw.callDownloads(new URL(String(redirect.headers.location)).pathname, (chunk) =>
      hash.update(chunk),
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^message\/rfc822/);
    expect(response.headers['content-length']).toBe(String(tenMb.raw.length));
    expect(hash.digest('hex')).toBe(sha256(tenMb.raw));
  }, 120_000);

  it('requires the bearer token, and serves nothing but downloads', async () => {
    const id = await messageIdBySubject('Small hello');
    const chunks: Buffer[] = [];
    const unauthorized = await gw.callDownloads(`${inbox}/messages/${id}/raw`, (c) => chunks.push(c), {
      token: null,
    });
    expect(unauthorized.statusCode).toBe(401);
    expect(unauthorized.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(Buffer.concat(chunks).toString()).not.toContain('Hello from a small message');

    const listing: Buffer[] = [];
    const notServed = await gw.callDownloads(`${inbox}/messages`, (c) => listing.push(c));
    expect(notServed.statusCode).toBe(404);
    expect(JSON.parse(Buffer.concat(listing).toString())).toMatchObject({ code: 'not_found' });
  });
});
