import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeScratchProject } from './support/scratch-project.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const MAX_BUFFER = 64 * 1024 * 1024;

/** What the package's entries need from `dist/`; `npm run build` makes it (so do `npm ci` and `npm pack`). */
const BUILT = [
  'dist/functions/cli.js',
  'dist/functions/local-server.js',
  'dist/lib/http/index.js',
  'dist/lib/http/index.d.ts',
  'dist/lib/client/index.js',
  'dist/lib/client/index.d.ts',
  'dist/infra/index.js',
  'dist/infra/index.d.ts',
];

/**
 * The environment of the npm commands run here: the caller's, without what
 * an enclosing `npm test` exports about this repository (its package, its
 * prefix), which would otherwise make npm in the scratch project act on the
 * repository.
 */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase();
    if (lower.startsWith('npm_') && !/^npm_config_(cache|registry|userconfig|globalconfig)$/.test(lower))
      continue;
    if (key === 'INIT_CWD') continue;
    env[key] = value;
  }
  return { ...env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' };
}

interface Packed {
  filename: string;
  integrity: string;
  files: { path: string }[];
}

/**
 * The package as a user gets it: `npm pack`, then `npm ci` of the tarball
 * in a project outside the repository (no node_modules above it to fall
 * back on), from npm's cache only (see scratch-project.ts), with the CDK
 * construct's peers (aws-cdk-lib, constructs, esbuild) beside it.
 */
describe('the packed package, installed into a scratch project', () => {
  let scratch: string;
  let packed: Packed;
  const env = npmEnv();

  beforeAll(async () => {
    // Building here would empty dist/ under the other test files that run the server from it.
    const missing = BUILT.filter((file) => !existsSync(join(ROOT, file)));
    if (missing.length > 0) throw new Error(`run \`npm run build\` first (missing: ${missing.join(', ')})`);
    scratch = await mkdtemp(join(tmpdir(), 'mailgate-package-'));
    // The build is there already: `prepare` need not run again inside pack.
    const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], {
      cwd: ROOT,
      env,
      maxBuffer: MAX_BUFFER,
    });
    packed = (JSON.parse(pack.stdout) as Packed[])[0]!;
    const registry = (await run('npm', ['config', 'get', 'registry'], { cwd: scratch, env })).stdout.trim();
    await writeScratchProject({
      repositoryLock: join(ROOT, 'package-lock.json'),
      manifest: JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')),
      tarball: packed.filename,
      integrity: packed.integrity,
      extra: ['aws-cdk-lib', 'constructs', 'esbuild'],
      registry,
      dir: scratch,
    });
    // From npm's cache when `npm ci` filled it (no registry request then), from the registry otherwise.
    await run('npm', ['ci', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: scratch,
      env,
      maxBuffer: MAX_BUFFER,
    });
  }, 300_000);

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('ships the built JavaScript and declarations, the bin, and no tests or TypeScript sources', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'package.json',
        'bin/mailgate.js',
        ...BUILT,
        'dist/infra/build-split-bundle.js',
        'dist/functions/lambda-api.js',
        'dist/functions/lambda-stream.js',
        'dist/functions/lambda-admin.js',
      ]),
    );
    expect(paths.filter((path) => path.startsWith('test/') || path.includes('/test/'))).toEqual([]);
    expect(paths.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
  });

  it('runs `mailgate --help` from the built JavaScript, without tsx installed', async () => {
    // tsx is a dev dependency: the installed package must not need it.
    expect(existsSync(join(scratch, 'node_modules', 'tsx'))).toBe(false);
    const { stdout } = await run('npx', ['--offline', 'mailgate', '--help'], { cwd: scratch, env });
    expect(stdout).toContain('Usage: mailgate <command>');
  });

  it('imports `mailgate/client` from an ESM module and surfaces a problem answer as a typed error', async () => {
    const script = join(scratch, 'client.mjs');
    await writeFile(
      script,
      `import { createMailgateClient, MailgateError } from 'mailgate/client';
const seen = [];
const client = createMailgateClient({
  baseUrl: 'http://127.0.0.1:9',
  token: 'mg_test',
  fetch: async (request) => {
    seen.push(request.headers.get('authorization'));
    return new Response(JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401,
      detail: 'The bearer token is missing or invalid.', code: 'unauthorized' }),
      { status: 401, headers: { 'content-type': 'application/problem+json' } });
  },
});
try {
  await client.accounts();
  console.log(JSON.stringify({ threw: false }));
} catch (error) {
  console.log(JSON.stringify({ threw: true, typed: error instanceof MailgateError, code: error.code, status: error.status, seen }));
}
`,
    );
    const { stdout } = await run(process.execPath, [script], { cwd: scratch });
    expect(JSON.parse(stdout)).toEqual({
      threw: true,
      typed: true,
      code: 'unauthorized',
      status: 401,
      seen: ['Bearer mg_test'],
    });
  });

  it('imports the app factory from the package root', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('mailgate'); console.log(typeof m.createApp);"],
      { cwd: scratch },
    );
    expect(stdout.trim()).toBe('function');
  });

  it('synthesises a stack with `MailGateway` from `mailgate/cdk`, bundling every function from the package', async () => {
    const script = join(scratch, 'synth.mjs');
    await writeFile(
      script,
      `import { App, Stack } from 'aws-cdk-lib';
import { MailGateway } from 'mailgate/cdk';
const app = new App({ outdir: process.argv[2], context: { 'aws:cdk:enable-asset-metadata': true } });
const stack = new Stack(app, 'Scratch');
new MailGateway(stack, 'Gateway', { secretPrefix: 'mailgate/' });
const assembly = app.synth();
const { Resources } = assembly.getStackByName('Scratch').template;
const functions = Object.values(Resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['aws:asset:path']);
console.log(JSON.stringify(functions.map((r) => r.Metadata['aws:asset:path'])));
`,
    );
    const outdir = join(scratch, 'cdk.out');
    const { stdout } = await run(process.execPath, [script, outdir], {
      cwd: scratch,
      env,
      maxBuffer: MAX_BUFFER,
    });
    const assets = JSON.parse(stdout.trim().split('\n').at(-1)!) as string[];
    // The API, the streaming download and the account API functions (webhooks are off by default).
    expect(assets).toHaveLength(3);
    for (const asset of assets) {
      const dir = join(outdir, asset);
      // The split build ran (from dist/infra/build-split-bundle.js, with plain Node): an entry and its lazy chunks.
      expect((await stat(join(dir, 'index.mjs'))).size).toBeGreaterThan(0);
      const chunks = await readdir(join(dir, 'chunks'));
      expect(chunks.filter((file) => file.endsWith('.mjs')).length).toBeGreaterThan(0);
    }
  }, 240_000);
});
