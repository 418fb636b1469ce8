import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The file `npm start` runs, read from package.json's `start` script
 * (`node <file>`): tests that spawn the local server run that file, so they
 * exercise what a user starts.
 */
export async function startEntry(): Promise<string> {
  const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const file = /^node (\S+)$/.exec(manifest.scripts.start ?? '')?.[1];
  if (!file) throw new Error(`package.json's start script is not "node <file>": ${manifest.scripts.start}`);
  return file;
}

let built: Promise<string> | undefined;
let scratch: string | undefined;

/**
 * The absolute path of the local server as `npm start` runs it. Under
 * `npm test` the bundle was built just before vitest (`npm run
 * build:server`), so it is used as it is. Run directly (`npx vitest run
 * …`), the same script builds a fresh bundle into a directory of this test
 * file's own below `.tmp/` (node_modules is still found walking up):
 * never a stale `dist/server/`, and never a file another test process is
 * loading while it is rewritten.
 */
export function localServerEntry(): Promise<string> {
  built ??= (async () => {
    const entry = await startEntry();
    const inDist = join(ROOT, entry);
    if (process.env.npm_lifecycle_event === 'test' && existsSync(inDist)) return inDist;
    const outdir = join(ROOT, '.tmp', `server-bundle-${randomUUID()}`);
    scratch = outdir;
    await run('npm', ['run', 'build:server', '--silent', '--', `--outdir=${outdir}`], { cwd: ROOT });
    return join(outdir, entry.split('/').pop()!);
  })();
  return built;
}

/** Removes the bundle `localServerEntry` built below `.tmp/`, if it built one (call once the servers stopped). */
export async function removeBuiltBundle(): Promise<void> {
  if (scratch) await rm(scratch, { recursive: true, force: true });
}
