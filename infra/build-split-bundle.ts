/**
 * Builds one Lambda entry with code splitting:
 *
 *   node --import tsx infra/build-split-bundle.ts <entry> <outdir>
 *
 * Run by NodejsFunction's afterBundling hook (see split-bundling.ts) with the
 * locally installed esbuild; the CLI cannot take plugins, the API can.
 * `--docs-script` also writes the /docs page's script beside the bundle
 * (docs-asset.ts).
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { writeDocsScriptAsset } from './docs-asset.js';
import { BUNDLE_MAIN_FIELDS, BUNDLE_TARGET, REQUIRE_BANNER } from './split-bundling.js';

/**
 * Leaves zod's translated error messages out of the bundle, all but English.
 * zod re-exports every locale as `z.locales` (and `z.core.locales`), and
 * since @hono/zod-openapi hands the whole `z` namespace to its extension
 * function, tree shaking keeps all 40-odd of them: 257 KiB of the 455 KiB
 * zod chunk that module init compiles, about 13 ms of it on the bench
 * machine. English is what zod installs by default (classic/schemas.js
 * imports en.js itself) and nothing here selects another locale, so what
 * remains reachable behaves the same.
 */
export const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(bundler) {
    bundler.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]zod[\\/]v4[\\/](?:classic|core)[\\/]/.test(args.importer)) return undefined;
      return {
        path: 'zod-locales-english-only',
        namespace: 'mailgate-stub',
        pluginData: { localesDir: `${dirname(dirname(args.importer))}/locales` },
      };
    });
    bundler.onLoad({ filter: /.*/, namespace: 'mailgate-stub' }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      resolveDir: (args.pluginData as { localesDir: string }).localesDir,
      loader: 'js',
    }));
  },
};

/**
 * `index.mjs` holds what module init needs; every module reached only
 * through `import()` goes to `chunks/`, where Node neither reads nor compiles
 * it until first use. Chunks shared by several lazy modules are emitted once,
 * so classes such as the domain errors keep one identity across chunks.
 */
export async function buildSplitBundle(entry: string, outdir: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outdir,
    bundle: true,
    splitting: true,
    entryNames: 'index',
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    format: 'esm',
    platform: 'node',
    target: BUNDLE_TARGET,
    mainFields: BUNDLE_MAIN_FIELDS,
    minify: true,
    sourcemap: 'linked',
    sourcesContent: false,
    banner: { js: REQUIRE_BANNER },
    plugins: [zodEnglishOnly],
    logLevel: 'warning',
  });
}

/** Asks for the /docs page's script beside the bundle (the function that serves /docs). */
export const DOCS_SCRIPT_FLAG = '--docs-script';

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [entry, outdir, ...flags] = process.argv.slice(2);
  if (!entry || !outdir || flags.some((flag) => flag !== DOCS_SCRIPT_FLAG)) {
    console.error(`usage: build-split-bundle.ts <entry> <outdir> [${DOCS_SCRIPT_FLAG}]`);
    process.exit(2);
  }
  await buildSplitBundle(entry, outdir);
  if (flags.includes(DOCS_SCRIPT_FLAG)) await writeDocsScriptAsset(outdir);
}
