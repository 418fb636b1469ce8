import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';

/** The Lambda runtime's Node version, for esbuild's syntax lowering. */
export const BUNDLE_TARGET = 'node22';

/** ESM entry points of the dependencies first: smaller, and statically analysable for tree shaking. */
export const BUNDLE_MAIN_FIELDS = ['module', 'main'];

/**
 * ESM output meets CommonJS dependencies (imapflow and its helpers call
 * `require('tls')` and friends): esbuild's shim throws "Dynamic require is
 * not supported" unless a real `require` exists at module scope. With code
 * splitting the banner heads every chunk, each of which is its own module.
 */
export const REQUIRE_BANNER =
  "import { createRequire as mailgateCreateRequire } from 'node:module'; const require = mailgateCreateRequire(import.meta.url);";

/**
 * The build script beside this module: the TypeScript source run through
 * tsx in the repository, the compiled JavaScript run by plain Node from the
 * installed package (`mailgate/cdk`), where tsx is not installed.
 */
const COMPILED = import.meta.url.endsWith('.js');
const BUILD_SCRIPT = join(
  dirname(fileURLToPath(import.meta.url)),
  COMPILED ? 'build-split-bundle.js' : 'build-split-bundle.ts',
);
const BUILD_COMMAND = COMPILED
  ? [process.execPath, BUILD_SCRIPT]
  : [process.execPath, '--import', 'tsx', BUILD_SCRIPT];

const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

/**
 * NodejsFunction writes the whole bundle into one `index.mjs`: its esbuild
 * call always passes `--outfile`, which esbuild refuses to combine with
 * `--splitting`. This hook runs after that pass and rebuilds the same entry
 * with code splitting into the same directory (build-split-bundle.ts, same
 * locally installed esbuild, same target and options), overwriting
 * `index.mjs` and its map; the asset hash is computed from the output after
 * the hook. Module init then reads about 320 KiB of JavaScript instead of
 * 2 MiB (figures in docs/DEPLOY.md). With `docsScript`, the same step
 * writes the /docs page's script, gzipped, beside the bundle (docs-asset.ts).
 */
export function splitBundlingHooks(entry: string, options: { docsScript?: boolean } = {}): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) => [
      [...BUILD_COMMAND, entry, outputDir, ...(options.docsScript ? ['--docs-script'] : [])]
        .map(quote)
        .join(' '),
    ],
  };
}
