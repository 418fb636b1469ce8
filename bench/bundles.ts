/**
 * Bundle sizes, cold module-init time of each Lambda bundle, and what the
 * first requests pay later for the modules deferred out of init.
 *
 *   npx tsx bench/bundles.ts [--assembly <cdk.out dir>] [--runs 7]
 *
 * Without --assembly it runs `cdk synth` (with bundling) first. Each timing is
 * a fresh `node` process with the function's own environment and
 * the Node options it is deployed with. "init" is the time from just before
 * importing index.mjs to just after it (what Lambda bills as init, minus the
 * runtime's own start). The same process then imports the lazily loaded
 * chunks in the order a cold start meets them: the credential store with the
 * AWS SDK (built as the first /v1 request builds it), then one protocol
 * adapter, IMAP in half of the processes and POP3 in the other half. Medians
 * of wall time and of CPU time (process.cpuUsage, steadier on a shared
 * machine). Exits 1 when an init wall median exceeds the budget.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
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

/** Dynamic-import targets, by the chunk name esbuild derives from the imported module's file name. */
const LAZY = {
  credentials: 'secrets-manager-store-',
  imap: 'imap-store-factory-',
  pop3: 'store-factory-',
} as const;
type Step = 'init' | keyof typeof LAZY;

/**
 * The measuring process. The runtime's streaming global exists before the
 * import, as in Lambda. A step's module is found among the chunk's exports by
 * shape, because minification renames the exports.
 */
const PROBE = `
globalThis.awslambda = { streamifyResponse: (h) => h, HttpResponseStream: { from: (s) => s } };
const [entry, ...steps] = process.argv.slice(1);
const out = {};
async function timed(name, work) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  out[name] = { wall: performance.now() - started, cpu: (used.user + used.system) / 1000 };
}
await timed('init', () => import(entry));
for (const step of steps) {
  const [name, url] = step.split('=');
  await timed(name, async () => {
    const exports = Object.values(await import(url));
    if (name === 'credentials') {
      const Store = exports.find((value) => typeof value === 'function' && value.prototype?.verifyToken);
      if (!Store) throw new Error('no credential store class in ' + url);
      new Store({ prefix: 'mailgate/', cacheSeconds: 300 });
    } else {
      const create = exports.find((value) => typeof value === 'function' && value.length <= 1);
      if (!create?.()?.open) throw new Error('no store factory in ' + url);
    }
  });
}
process.stdout.write(JSON.stringify(out));
`;

interface Timing {
  /** Wall-clock milliseconds: what a cold start waits. */
  wall: number;
  /** CPU milliseconds: less disturbed by other processes on a shared machine. */
  cpu: number;
}

async function measure(bundle: Bundle, chunks: Record<string, string>, adapter: 'imap' | 'pop3') {
  const steps = (['credentials', adapter] as const)
    .filter((step) => chunks[step] !== undefined)
    .map((step) => `${step}=${pathToFileURL(join(bundle.dir, 'chunks', chunks[step] as string)).href}`);
  const { stdout } = await run(
    process.execPath,
    [
      // Node flags exactly as the function sets them (NODE_OPTIONS in its environment).
      ...(bundle.environment.NODE_OPTIONS ?? '').split(' ').filter((flag) => flag !== ''),
      '--input-type=module',
      '-e',
      PROBE,
      pathToFileURL(join(bundle.dir, 'index.mjs')).href,
      ...steps,
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
  return JSON.parse(stdout) as Partial<Record<Step, Timing>>;
}

/** The JavaScript module init reads: index.mjs and the chunks it imports statically, transitively. */
async function initFiles(dir: string): Promise<string[]> {
  const seen = new Set<string>();
  const visit = async (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = await readFile(join(dir, file), 'utf8');
    for (const [, target] of code.matchAll(
      /(?:^|[;\s}])import\s*(?:[\w${},\s*]+from\s*)?"(\.\.?\/[^"]+\.mjs)"/g,
    )) {
      await visit(join(dirname(file), target as string));
    }
  };
  await visit('index.mjs');
  return [...seen];
}

async function filesUnder(dir: string, suffix: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((name) => name.endsWith(suffix));
}

async function totalSize(dir: string, files: string[]): Promise<number> {
  let total = 0;
  for (const file of files) total += (await stat(join(dir, file))).size;
  return total;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const ms = (values: number[]) => (values.length === 0 ? 'n/a' : `${median(values).toFixed(0)} ms`);

async function main(): Promise<void> {
  const runs = Number(option('--runs') ?? 7);
  const assembly = option('--assembly') ?? (await synthesize());
  let overBudget = false;
  const sizes: Record<string, unknown>[] = [];
  const timings: Record<string, unknown>[] = [];
  const bundles = await bundlesOf(assembly);
  const chunksOf = new Map<Bundle, Record<string, string>>();
  for (const bundle of bundles) {
    const code = await filesUnder(bundle.dir, '.mjs');
    const atInit = await initFiles(bundle.dir);
    const all = await Promise.all(code.map((file) => readFile(join(bundle.dir, file))));
    const chunkNames = await filesUnder(join(bundle.dir, 'chunks'), '.mjs').catch(() => []);
    const chunks: Record<string, string> = {};
    for (const [step, prefix] of Object.entries(LAZY)) {
      const found = chunkNames.find((name) => name.startsWith(prefix));
      if (found) chunks[step] = found;
    }
    chunksOf.set(bundle, chunks);
    sizes.push({
      bundle: bundle.name,
      'JS read at init': `${kb(await totalSize(bundle.dir, atInit))} (${atInit.length} files)`,
      'JS in all': `${kb(all.reduce((sum, file) => sum + file.length, 0))} (${code.length} files)`,
      'gzip, all JS': kb(all.reduce((sum, file) => sum + gzipSync(file).length, 0)),
      'source maps': kb(await totalSize(bundle.dir, await filesUnder(bundle.dir, '.mjs.map'))),
    });
  }

  // Interleaved (run by run, bundle by bundle) so that a change in the machine's load hits all alike.
  const samples = new Map<Bundle, Partial<Record<Step, Timing[]>>>(bundles.map((bundle) => [bundle, {}]));
  for (let i = 0; i < runs; i++) {
    for (const bundle of bundles) {
      for (const adapter of ['imap', 'pop3'] as const) {
        const into = samples.get(bundle) ?? {};
        for (const [step, timing] of Object.entries(
          await measure(bundle, chunksOf.get(bundle) ?? {}, adapter),
        )) {
          const list = into[step as Step] ?? [];
          list.push(timing);
          into[step as Step] = list;
        }
      }
    }
  }
  for (const bundle of bundles) {
    const measured = samples.get(bundle) ?? {};
    const wall = (step: Step) => (measured[step] ?? []).map((t) => t.wall);
    const cpu = (step: Step) => (measured[step] ?? []).map((t) => t.cpu);
    overBudget ||= median(wall('init')) > INIT_BUDGET_MS;
    for (const step of ['init', 'credentials', 'imap', 'pop3'] as const) {
      timings.push({
        bundle: bundle.name,
        step: step === 'init' ? 'module init' : `then first ${step} use`,
        'wall median': ms(wall(step)),
        'wall min–max':
          wall(step).length === 0
            ? 'n/a'
            : `${Math.min(...wall(step)).toFixed(0)}–${Math.max(...wall(step)).toFixed(0)} ms`,
        'CPU median': ms(cpu(step)),
        runs: wall(step).length,
      });
    }
  }
  console.table(sizes);
  console.table(timings);
  const [load] = loadavg();
  console.log(
    `init budget ${INIT_BUDGET_MS} ms (wall median): ${overBudget ? 'EXCEEDED' : 'met'}; ${process.version}, ` +
      `${cpus().length} CPUs, load average ${load?.toFixed(1)}; assembly ${assembly}`,
  );
  if (overBudget) process.exitCode = 1;
}

await main();
