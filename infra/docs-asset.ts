import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';
import { DOCS_SCRIPT_ASSET } from '../lib/http/routes/meta/docs-script.js';

const gzipAsync = promisify(gzip);

/** The installed `@scalar/api-reference`'s browser build (its exports map does not name it: found from its main module). */
export function docsScriptSource(): string {
  const main = createRequire(import.meta.url).resolve('@scalar/api-reference');
  return join(dirname(main), 'browser', 'standalone.js');
}

/**
 * Writes the /docs page's script, gzipped, into a function's bundle
 * directory at DOCS_SCRIPT_ASSET, where the function reads it on request
 * (lib/http/routes/meta/docs-script.ts). A file beside the bundle, not
 * JavaScript bundled into it: module init never reads it. Gzipped here, once,
 * because the API function answers buffered, capped at 6 MB after base64:
 * 4.9 MB of script would leave little room, its 1.4 MB gzip is 1.9 MB of
 * base64 (figures in docs/DECISIONS.md).
 * @returns the asset's path and its sizes.
 */
export async function writeDocsScriptAsset(
  outdir: string,
): Promise<{ path: string; bytes: number; gzipBytes: number }> {
  const script = await readFile(docsScriptSource());
  const gzipped = await gzipAsync(script, { level: constants.Z_BEST_COMPRESSION });
  const path = join(outdir, DOCS_SCRIPT_ASSET);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, gzipped);
  return { path, bytes: script.length, gzipBytes: gzipped.length };
}
