import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsScriptSource } from '../../infra/docs-asset.js';
import { buildBigMessage } from '../../lib/devmail/big-message.js';
import { DOCS_SCRIPT_ASSET } from '../../lib/http/routes/meta/docs-script.js';
import {
  ACCOUNT_ID,
  type BufferedResult,
  DOWNLOAD_BASE_URL,
  type GatewayBundles,
  loadGatewayBundles,
} from './support/bundle-fixture.js';
import { HTTP_INTEGRATION_CONTENT_TYPE } from './support/lambda-streaming-runtime.js';

const run = promisify(execFile);

/** Lambda's cap on a buffered response payload. */
const LAMBDA_BUFFERED_LIMIT = 6 * 1024 * 1024;
const huge = buildBigMessage(30 * 1024 * 1024, { subject: 'Thirty megabytes', seed: 30 });
const tenMb = buildBigMessage(7_600_000, { subject: 'Ten megabytes raw', seed: 10 });
const small = Buffer.from(
  'From: Carol <carol@example.com>\r\nTo: Alice <alice@example.com>\r\nSubject: Small hello\r\n' +
    'Date: Mon, 02 Nov 2026 09:00:00 +0000\r\nMessage-ID: <small@example.com>\r\n\r\nHello from a small message.\r\n',
);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Copies a bundle to the system temporary directory (no node_modules above
 * it) and imports each of its chunks there in a fresh process, so a bare
 * import left unbundled would fail to resolve. The entry itself is left
 * out: it needs the function's environment, and the invocation tests load it.
 * @returns how many chunks loaded.
 */
async function loadsStandalone(assetDir: string, files: string[]): Promise<number> {
  const copy = await mkdtemp(join(tmpdir(), 'mailgate-bundle-'));
  try {
    await cp(assetDir, copy, { recursive: true });
    const chunks = files.filter((file) => file !== 'index.mjs');
    const urls = chunks.map((file) => pathToFileURL(join(copy, file)).href);
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        'let n = 0; for (const u of process.argv.slice(1)) { await import(u); n++; } console.log(n);',
        ...urls,
      ],
      { cwd: copy, env: { PATH: process.env.PATH ?? '' } },
    );
    return Number(stdout.trim());
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

/**
 * The files a bundle's entry loads before its handler runs: index.mjs and
 * every chunk it imports statically, transitively (what Lambda's init
 * evaluates). Chunks reached only through `import()` are left out.
 */
async function loadedAtInit(assetDir: string): Promise<Map<string, string>> {
  const loaded = new Map<string, string>();
  const pending = ['index.mjs'];
  // `import{a as b}from"./x.mjs"`, `import"./x.mjs"`, `export*from"./x.mjs"`; never `import("./x.mjs")`.
  const staticImport = /\b(?:import|export)\s*(?:[^'"();]*?\bfrom\s*)?["'](\.{1,2}\/[^"']+)["']/g;
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (loaded.has(file)) continue;
    const code = await readFile(join(assetDir, file), 'utf8');
    loaded.set(file, code);
    for (const [, specifier] of code.matchAll(staticImport)) {
      pending.push(posix.join(posix.dirname(file), specifier!));
    }
  }
  return loaded;
}

/** Text only oauth4webapi's code holds (an error code it throws), and a log line only the token manager writes. */
const OAUTH4WEBAPI_MARKER = 'OAUTH_RESPONSE_BODY_ERROR';
const TOKEN_MANAGER_MARKER = 'oauth2 access token refreshed';

let gw: GatewayBundles;
const inbox = `/v1/accounts/${ACCOUNT_ID}/mailboxes/INBOX`;
/** The account-level message routes: an id alone names its message. */
const messages = `/v1/accounts/${ACCOUNT_ID}/messages`;
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
    for (const part of ['JSON API', 'downloads', 'account API']) {
      const { assetDir } = gw.synthesis.fn(part);
      const files = (await readdir(assetDir, { recursive: true })).filter((name) => name.endsWith('.mjs'));
      // Split: index.mjs plus lazily imported chunks (the SDK, the IMAP and POP3 adapters).
      expect(files).toContain('index.mjs');
      expect(files.filter((name) => name.startsWith('chunks/')).length).toBeGreaterThan(1);
      let everything = '';
      for (const file of files) {
        const code = await readFile(join(assetDir, file), 'utf8');
        everything += code;
        expect((await stat(join(assetDir, `${file}.map`))).size).toBeGreaterThan(0);
        // Linked, so that --enable-source-maps finds each map (checked as a boolean: chunks are large).
        const name = file.split('/').pop()?.replaceAll('.', '\\.') ?? '';
        expect(new RegExp(`//# sourceMappingURL=${name}\\.map\\s*$`).test(code)).toBe(true);
      }
      // Minified: thousands of characters per line (formatted code averages well under a hundred).
      expect(everything.length / everything.split('\n').length).toBeGreaterThan(2000);
      // The SDK is bundled (the runtime's copy loads slower) and runs the version the tests ran.
      expect(everything.includes('SecretsManagerServiceException')).toBe(true);
      // Self-contained: every file loads from a directory with no node_modules anywhere above it.
      expect(await loadsStandalone(assetDir, files)).toEqual(files.length - 1);
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

/** Option names only sanitize-html's and html-to-text's code hold. */
const SANITIZE_HTML_MARKER = 'allowProtocolRelative';
const HTML_TO_TEXT_MARKER = 'longWordSplit';

describe('the init budget: the HTML libraries load lazily', () => {
  it('no function loads sanitize-html or html-to-text before a message needs them, and the API bundles them', async () => {
    for (const part of ['JSON API', 'downloads']) {
      const { assetDir } = gw.synthesis.fn(part);
      const atInit = await loadedAtInit(assetDir);
      for (const [file, code] of atInit) {
        expect({ part, file, sanitizeHtml: code.includes(SANITIZE_HTML_MARKER) }).toMatchObject({
          sanitizeHtml: false,
        });
        expect({ part, file, htmlToText: code.includes(HTML_TO_TEXT_MARKER) }).toMatchObject({
          htmlToText: false,
        });
      }
    }
    const { assetDir } = gw.synthesis.fn('JSON API');
    const files = (await readdir(assetDir, { recursive: true })).filter((name) => name.endsWith('.mjs'));
    const all = await Promise.all(files.map((file) => readFile(join(assetDir, file), 'utf8')));
    expect(all.some((code) => code.includes(SANITIZE_HTML_MARKER))).toBe(true);
    expect(all.some((code) => code.includes(HTML_TO_TEXT_MARKER))).toBe(true);
  });
});

describe('the init budget: the OAuth2 client loads lazily', () => {
  it('the API and download functions load neither oauth4webapi nor the token manager before a request needs them', async () => {
    for (const part of ['JSON API', 'downloads']) {
      const { assetDir } = gw.synthesis.fn(part);
      const atInit = await loadedAtInit(assetDir);
      expect(atInit.has('index.mjs')).toBe(true);
      for (const [file, code] of atInit) {
        expect({ part, file, oauth4webapi: code.includes(OAUTH4WEBAPI_MARKER) }).toMatchObject({
          oauth4webapi: false,
        });
        expect({ part, file, tokenManager: code.includes(TOKEN_MANAGER_MARKER) }).toMatchObject({
          tokenManager: false,
        });
      }
      if (part === 'JSON API') {
        // They are bundled, in a chunk imported on demand (an OAuth2 account's first request).
        const files = (await readdir(assetDir, { recursive: true })).filter((name) => name.endsWith('.mjs'));
        const lazy = files.filter((file) => !atInit.has(file));
        const holding = async (marker: string) => {
          const found: string[] = [];
          for (const file of lazy) {
            if ((await readFile(join(assetDir, file), 'utf8')).includes(marker)) found.push(file);
          }
          return found;
        };
        expect(await holding(OAUTH4WEBAPI_MARKER)).not.toEqual([]);
        expect(await holding(TOKEN_MANAGER_MARKER)).not.toEqual([]);
      }
    }
  });
});

/** Text only the /docs page's browser build holds (one of its font URLs). */
const DOCS_SCRIPT_MARKER = 'fonts.scalar.com/mono-latin.woff2';

describe('the /docs script ships beside the API bundle, never inside it', () => {
  it('is an asset file of the JSON API function only, and no JavaScript of any bundle holds it', async () => {
    const source = await readFile(docsScriptSource());
    expect(source.includes(DOCS_SCRIPT_MARKER)).toBe(true);
    for (const part of ['JSON API', 'downloads', 'account API']) {
      const { assetDir } = gw.synthesis.fn(part);
      const shipped = await stat(join(assetDir, DOCS_SCRIPT_ASSET)).catch(() => undefined);
      if (part === 'JSON API') {
        expect(gunzipSync(await readFile(join(assetDir, DOCS_SCRIPT_ASSET))).equals(source)).toBe(true);
      } else {
        expect({ part, shipped: shipped !== undefined }).toEqual({ part, shipped: false });
      }
      const files = (await readdir(assetDir, { recursive: true })).filter((name) => name.endsWith('.mjs'));
      for (const file of files) {
        const code = await readFile(join(assetDir, file), 'utf8');
        expect({ part, file, script: code.includes(DOCS_SCRIPT_MARKER) }).toMatchObject({ script: false });
      }
    }
  });

  it('is served by the API bundle from that file, gzipped, within the buffered answer cap', async () => {
    const saved = process.env.LAMBDA_TASK_ROOT;
    // The Lambda runtime's own variable: the directory the bundle was unpacked to.
    process.env.LAMBDA_TASK_ROOT = gw.synthesis.fn('JSON API').assetDir;
    try {
      const result = await gw.callApi('/docs/api-reference.js', { token: null });
      expect(result.statusCode).toBe(200);
      expect(result.headers['content-encoding']).toBe('gzip');
      expect(result.isBase64Encoded).toBe(true);
      const script = gunzipSync(Buffer.from(result.body, 'base64'));
      expect(script.equals(await readFile(docsScriptSource()))).toBe(true);
      expect(JSON.stringify(result).length).toBeLessThan(LAMBDA_BUFFERED_LIMIT / 2);
      const page = await gw.callApi('/docs', { token: null });
      expect(page.body).toContain('<script src="/docs/api-reference.js">');
    } finally {
      if (saved === undefined) delete process.env.LAMBDA_TASK_ROOT;
      else process.env.LAMBDA_TASK_ROOT = saved;
    }
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
    const result = await gw.callApi(`${messages}/${id}`);
    expect(result.statusCode).toBe(200);
    const message = json(result) as {
      subject: string;
      rawUrl: string;
      attachments: Array<{ filename: string; downloadUrl: string }>;
    };
    expect(message.subject).toBe('Thirty megabytes');
    expect(message.rawUrl).toBe(`${DOWNLOAD_BASE_URL}v1/accounts/${ACCOUNT_ID}/messages/${id}/raw`);
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]?.filename).toBe(huge.filename);
    const attachments = `${DOWNLOAD_BASE_URL}v1/accounts/${ACCOUNT_ID}/messages/${id}/attachments/`;
    expect(message.attachments[0]?.downloadUrl.slice(0, attachments.length)).toBe(attachments);
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
    const result = await gw.callApi(`${messages}/${await messageIdBySubject('Small hello')}/raw`);
    expect(result.statusCode).toBe(200);
    expect(result.isBase64Encoded).toBe(true);
    expect(sha256(Buffer.from(result.body, 'base64'))).toBe(sha256(small));
  });

  it('never attempts a 10 MB buffered response: it redirects to the streaming URL instead', async () => {
    expect(tenMb.raw.length).toBeGreaterThan(10_000_000);
    const id = await messageIdBySubject('Ten megabytes raw');
    const path = `${messages}/${id}/raw`;
    const result = await gw.callApi(path);
    expect(result.statusCode).toBe(307);
    expect(result.headers.location).toBe(`${DOWNLOAD_BASE_URL}${path.slice(1)}`);
    expect(result.body.length).toBeLessThan(LAMBDA_BUFFERED_LIMIT / 100);
  });
});

describe('the streaming download bundle, invoked with Function URL events', () => {
  it('streams a 30 MB attachment byte-exact, with its length announced up front', async () => {
    const id = await messageIdBySubject('Thirty megabytes');
    const message = json(await gw.callApi(`${messages}/${id}`)) as {
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
    const redirect = await gw.callApi(`${messages}/${await messageIdBySubject('Ten megabytes raw')}/raw`);
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
    const unauthorized = await gw.callDownloads(`${messages}/${id}/raw`, (c) => chunks.push(c), {
      token: null,
    });
    expect(unauthorized.statusCode).toBe(401);
    expect(unauthorized.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(Buffer.concat(chunks).toString()).not.toContain('Hello from a small message');

    const listing: Buffer[] = [];
    const notServed = await gw.callDownloads(`${inbox}/messages`, (c) => listing.push(c));
    expect(notServed.statusCode).toBe(404);
    expect(JSON.parse(Buffer.concat(listing).toString())).toMatchObject({ code: 'not_found' });

    const body: Buffer[] = [];
    const messageJson = await gw.callDownloads(`${messages}/${id}`, (c) => body.push(c));
    expect(messageJson.statusCode).toBe(404);
    expect(JSON.parse(Buffer.concat(body).toString())).toMatchObject({ code: 'not_found' });
  });
});

describe('the account API bundle, invoked with API Gateway v2 events', () => {
  const document = (password: string) => ({ ...gw.user.account(), password });

  it('serves nothing to a mail token, and no mail to an admin token', async () => {
    const refused = await gw.callAdmin('GET', '/v1/tokens', { token: gw.token });
    expect(refused.statusCode).toBe(403);
    expect(json(refused)).toMatchObject({ code: 'forbidden' });
    const mail = await gw.callApi(`${inbox}/messages`, { token: gw.adminToken });
    expect(mail.statusCode).toBe(403);
    const notServed = await gw.callAdmin('GET', `${inbox}/messages`, { token: gw.token });
    expect(notServed.statusCode).toBe(404);
    expect(json(notServed)).toMatchObject({ code: 'not_found' });
  });

  it('refuses a wrong password with 422 after a real login, writing no secret', async () => {
    const writesBefore = gw.secrets.calls.filter((call) => call.action !== 'GetSecretValue').length;
    const result = await gw.callAdmin('PUT', '/v1/accounts/wrong', {
      query: 'verify=true',
      json: document('not-the-password'),
    });
    expect(result.statusCode).toBe(422);
    expect(json(result)).toMatchObject({ code: 'verification_failed' });
    expect(result.body).not.toContain('not-the-password');
    expect(gw.secrets.calls.filter((call) => call.action !== 'GetSecretValue')).toHaveLength(writesBefore);
    expect(gw.secrets.secrets.has('mailgate/accounts/wrong')).toBe(false);
  }, 60_000);

  it('verifies and stores an account, then mints a token the API function accepts for it', async () => {
    const stored = await gw.callAdmin('PUT', '/v1/accounts/onboarded', {
      query: 'verify=true',
      json: document(gw.user.password),
    });
    expect(stored.statusCode).toBe(201);
    expect(stored.body).not.toContain(gw.user.password);
    expect(json(stored)).toMatchObject({ id: 'onboarded', verified: true, auth: 'password' });
    expect(JSON.parse(gw.secrets.secrets.get('mailgate/accounts/onboarded') ?? '{}')).toEqual(
      document(gw.user.password),
    );
    const writes = gw.secrets.calls.filter((call) => call.action !== 'GetSecretValue');
    expect(writes.every((call) => call.secretId.startsWith('mailgate/'))).toBe(true);
    expect(writes.map((call) => call.action)).toEqual(
      expect.arrayContaining(['CreateSecret', 'PutSecretValue']),
    );

    const minted = await gw.callAdmin('POST', '/v1/tokens', {
      json: { accounts: ['onboarded'], scope: 'read' },
    });
    expect(minted.statusCode).toBe(201);
    const { token, id } = json(minted) as { token: string; id: string };
    // The API function reads the index again for an id it does not know at most every 5 s.
    let listed: BufferedResult | undefined;
    for (let tries = 0; tries < 14; tries++) {
      listed = await gw.callApi('/v1/accounts/onboarded/mailboxes/INBOX/messages', { token });
      if (listed.statusCode !== 401) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(listed?.statusCode).toBe(200);

    const revoked = await gw.callAdmin('DELETE', `/v1/tokens/${id}`);
    expect(revoked.statusCode).toBe(204);
    expect(gw.secrets.secrets.has(`mailgate/tokens/${id}`)).toBe(false);
    const removed = await gw.callAdmin('DELETE', '/v1/accounts/onboarded');
    expect(removed.statusCode).toBe(204);
    expect(JSON.parse(gw.secrets.secrets.get('mailgate/index') ?? '{}').accounts).toEqual([ACCOUNT_ID]);
  }, 60_000);
});
