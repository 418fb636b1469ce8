/**
 * `npm run bench [-- <name>…]`: runs each benchmark in a fresh process (so one
 * does not warm or bloat the next) and prints their tables. Names: imap,
 * pop3, bundles, latency (`--rtt <ms>`), webhooks (`--appends <n>`), start, downloads, compression
 * (`--runs <n>`), pool-churn (`--clients <n>`, `--seconds <n>`); all by default.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const BENCHES: Record<string, string> = {
  imap: 'imap-requests.ts',
  pop3: 'pop3-list.ts',
  bundles: 'bundles.ts',
  latency: 'latency.ts',
  webhooks: 'webhook-latency.ts',
  'webhook-poller': 'webhook-poller.ts',
  start: 'start.ts',
  compression: 'compression.ts',
  'pool-churn': 'pool-churn.ts',
  downloads: 'downloads.ts',
};

// Options pass through to every benchmark; a numeric word after one is its value (`--rtt 50`).
const named: string[] = [];
const passThrough: string[] = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (!arg.startsWith('-')) named.push(arg);
  else if (/^\d+(\.\d+)?$/.test(args[i + 1] ?? '')) passThrough.push(arg, args[++i]!);
  else passThrough.push(arg);
}
let failed = false;
for (const name of named.length > 0 ? named : Object.keys(BENCHES)) {
  const file = BENCHES[name];
  if (!file || !existsSync(join(here, file))) {
    console.error(`unknown benchmark "${name}" (known: ${Object.keys(BENCHES).join(', ')})`);
    failed = true;
    continue;
  }
  console.log(`\n## ${name}\n`);
  const result = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(here, file), ...passThrough],
    {
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
