/**
 * Bundle sizes and cold module-init time of each Lambda bundle.
 *
 *   npx tsx bench/bundles.ts [--assembly <cdk.out dir>] [--runs 7]
 *
 * Without --assembly it runs `cdk synth` (with bundling) first. Each timing is
 * a fresh `node` process that imports the bundle's index.mjs once, with the
 * function's own environment and --enable-source-maps as deployed; the figure
 * is the time from just before the import to just after it (what Lambda bills
 * as init, minus the runtime's own start). Exits 1 when a median exceeds the
 * budget.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, stat } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);
const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const INIT_BUDGET_MS = 150;

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

async function synthesize(): Promise<string> {
  await mkdir(join(ROOT, '.tmp'), { recursive: true });
  const outdir = await mkdtemp(join(ROOT, '.tmp', 'bench-synth-'));
  await run(join(ROOT, 'node_modules/.bin/cdk'), ['synth', '--quiet', '--output', outdir], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  return outdir;
}

interface Bundle {
  name: string;
  dir: string;
  environment: Record<string, string>;
}

async function bundlesOf(assembly: string): Promise<Bundle[]> {
  const template = JSON.parse(await readFile(join(assembly, 'Mailgate.template.json'), 'utf8')) as {
    Resources: Record<
      string,
      { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }
    >;
  };
  return Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::Lambda::Function')
    .map((resource) => {
      const variables = (resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      const environment: Record<string, string> = {};
      // CloudFormation references (the download URL) become a placeholder; nothing is contacted at init.
      for (const [key, value] of Object.entries(variables)) {
        environment[key] =
          typeof value === 'string' ? value : 'https://placeholder.lambda-url.eu-west-1.on.aws/';
      }
      return {
        name: String(resource.Properties.Description),
        dir: join(assembly, String(resource.Metadata?.['aws:asset:path'])),
        environment,
      };
    });
}

/** The measuring process: the runtime's streaming global exists before the import, as in Lambda. */
const PROBE = `
globalThis.awslambda = { streamifyResponse: (h) => h, HttpResponseStream: { from: (s) => s } };
const cpu = process.cpuUsage();
const started = performance.now();
await import(process.argv[1]);
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ wall: performance.now() - started, cpu: (used.user + used.system) / 1000 }));
`;

interface InitTime {
  /** Wall-clock milliseconds: what a cold start waits. */
  wall: number;
  /** CPU milliseconds: less disturbed by other processes on a shared machine. */
  cpu: number;
}

async function initTime(bundle: Bundle): Promise<InitTime> {
  const { stdout } = await run(
    process.execPath,
    [
      '--enable-source-maps',
      '--input-type=module',
      '-e',
      PROBE,
      pathToFileURL(join(bundle.dir, 'index.mjs')).href,
    ],
    {
      cwd: bundle.dir,
      env: {
        PATH: process.env.PATH ?? '',
        ...bundle.environment,
        NODE_OPTIONS: '',
        NODE_NO_WARNINGS: '1',
        AWS_REGION: 'eu-west-1',
        AWS_LAMBDA_FUNCTION_NAME: 'bench',
      },
    },
  );
  return JSON.parse(stdout) as InitTime;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

async function main(): Promise<void> {
  const runs = Number(option('--runs') ?? 7);
  const assembly = option('--assembly') ?? (await synthesize());
  let overBudget = false;
  const rows: Record<string, unknown>[] = [];
  for (const bundle of await bundlesOf(assembly)) {
    const code = await readFile(join(bundle.dir, 'index.mjs'));
    const map = await stat(join(bundle.dir, 'index.mjs.map'));
    const times: InitTime[] = [];
    for (let i = 0; i < runs; i++) times.push(await initTime(bundle));
    const wall = times.map((t) => t.wall);
    const cpu = times.map((t) => t.cpu);
    overBudget ||= median(wall) > INIT_BUDGET_MS;
    rows.push({
      bundle: bundle.name,
      'index.mjs': kb(code.length),
      gzip: kb(gzipSync(code).length),
      'source map': kb(map.size),
      'init wall median': `${median(wall).toFixed(0)} ms`,
      'init wall min–max': `${Math.min(...wall).toFixed(0)}–${Math.max(...wall).toFixed(0)} ms`,
      'init CPU median': `${median(cpu).toFixed(0)} ms`,
      runs,
    });
  }
  console.table(rows);
  const [load] = loadavg();
  console.log(
    `init budget ${INIT_BUDGET_MS} ms (wall median): ${overBudget ? 'EXCEEDED' : 'met'}; ${process.version}, ` +
      `${cpus().length} CPUs, load average ${load?.toFixed(1)}; assembly ${assembly}`,
  );
  if (overBudget) process.exitCode = 1;
}

await main();
