import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localServerEntry, removeBuiltBundle, startEntry } from '../support/server-bundle.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Starts what `npm start` runs (the server bundle) exactly as the README's
 * first command does and collects what it prints.
 */
function startLocalServer(entry: string): {
  child: ChildProcess;
  output: () => string;
  waitFor: (re: RegExp) => Promise<RegExpMatchArray>;
} {
  const child = spawn(process.execPath, [entry], {
    env: {
      ...process.env,
      PORT: '0',
      MAILGATE_ACCOUNTS_FILE: join(tmpdir(), `mailgate-none-${process.pid}.json`),
      MAILGATE_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return {
    child,
    output: () => text,
    async waitFor(re) {
      const until = Date.now() + 90_000;
      while (Date.now() < until) {
        const match = text.match(re);
        if (match) return match;
        if (child.exitCode !== null) throw new Error(`local server exited: ${text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`timed out waiting for ${re}: ${text}`);
    },
  };
}

describe('npm start', () => {
  it('runs the minified, code-split bundle of the local server, built before it starts', async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(await startEntry()).toBe('dist/server/local-server.mjs');
    expect(manifest.scripts.prestart).toContain('npm run build:server');
    for (const flag of [
      'functions/local-server.ts',
      '--bundle',
      '--splitting',
      '--minify',
      '--outdir=dist/server',
    ])
      expect(manifest.scripts['build:server']).toContain(flag);
    // The tests that spawn the server run the same bundle: `npm test` builds it before vitest.
    expect(manifest.scripts.test).toMatch(/npm run build && vitest run/);
    expect(manifest.scripts.build).toContain('npm run build:server');
  });
});

describe('npm start with no accounts configured', () => {
  let server: ReturnType<typeof startLocalServer>;

  beforeAll(async () => {
    server = startLocalServer(await localServerEntry());
  }, 120_000);

  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
    await removeBuiltBundle();
  });

  it('serves the demo and prints a curl line that lists the demo INBOX', async () => {
    const [, url] = await server.waitFor(/listening on (http:\/\/\S+)/);
    expect(server.output()).toContain(`${url}/docs`);
    const [curlLine] = await server.waitFor(/curl [^\n]+\/v1\/accounts\/demo\/mailboxes\/INBOX\/messages/);
    const { stdout } = await run('sh', ['-c', curlLine], { maxBuffer: 16 * 1024 * 1024 });
    const page = JSON.parse(stdout) as { messages: Array<{ subject: string }>; total: number };
    expect(page.total).toBeGreaterThanOrEqual(24);
    expect(page.messages.length).toBeGreaterThan(10);
    expect(page.messages.every((m) => typeof m.subject === 'string')).toBe(true);
  });

  it('serves the API reference page and its script, found from the bundle through node_modules', async () => {
    const [, url] = await server.waitFor(/listening on (http:\/\/\S+)/);
    const page = await fetch(`${url}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('api-reference.js');
    const script = await fetch(`${url}/docs/api-reference.js`, {
      headers: { 'accept-encoding': 'identity' },
    });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await script.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
  });

  it('answers MCP at /mcp from its lazily loaded chunk, on the demo token', async () => {
    const [, url] = await server.waitFor(/listening on (http:\/\/\S+)/);
    const [, token] = await server.waitFor(/curl -s -H 'Authorization: Bearer (\S+)'/);
    const client = new Client({ name: 'local-server-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });

  it('stops its demo mail server on SIGTERM', async () => {
    const demoDovecot = async () =>
      (await run('sh', ['-c', 'pgrep -f "[d]ovecot -c .*mailgate-demo-" || true'])).stdout.trim();
    expect(await demoDovecot()).not.toBe('');
    server.child.kill('SIGTERM');
    const [code] = await once(server.child, 'exit');
    expect(code).toBe(0);
    expect(await demoDovecot()).toBe('');
  });
});
