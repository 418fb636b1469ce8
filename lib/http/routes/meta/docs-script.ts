import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Context } from 'hono';

/**
 * Where /docs loads the reference page's script from: this gateway, never a
 * CDN, so the page works on an offline or locked-down network.
 */
export const DOCS_SCRIPT_PATH = '/docs/api-reference.js';

/**
 * The gzipped copy of the script that the Lambda bundle ships next to its
 * `index.mjs` (infra/docs-asset.ts writes it), relative to the function's
 * code directory. Gzipped at build time because a buffered Lambda answer is
 * capped at 6 MB: the 4.9 MB script travels as 1.9 MB of base64 instead.
 */
export const DOCS_SCRIPT_ASSET = 'assets/api-reference.js.gz';

/** `@scalar/api-reference`'s self-contained browser build, found beside the package's main module. */
const STANDALONE_FROM_MAIN = join('browser', 'standalone.js');

interface ScriptFile {
  path: string;
  /** `gzip` for the Lambda asset; the installed package's file is plain. */
  encoding: 'gzip' | 'identity';
  size: number;
  etag: string;
}

/**
 * Finds the script on the first request, never at module load: on Lambda
 * the asset in the function's code directory (`LAMBDA_TASK_ROOT`, set by the
 * runtime), elsewhere the installed package. The package's exports map does
 * not name the browser build, so it is found from the package's main module
 * (through Node's resolution, wherever node_modules is).
 */
async function locate(): Promise<ScriptFile> {
  const taskRoot = process.env.LAMBDA_TASK_ROOT;
  if (taskRoot) {
    const path = join(taskRoot, DOCS_SCRIPT_ASSET);
    const found = await stat(path).catch(() => undefined);
    if (found?.isFile()) return describe(path, 'gzip', found.size, found.mtimeMs);
  }
  const main = createRequire(import.meta.url).resolve('@scalar/api-reference');
  const path = join(dirname(main), STANDALONE_FROM_MAIN);
  const found = await stat(path);
  return describe(path, 'identity', found.size, found.mtimeMs);
}

function describe(path: string, encoding: ScriptFile['encoding'], size: number, mtimeMs: number): ScriptFile {
  return { path, encoding, size, etag: `W/"${size.toString(16)}-${Math.trunc(mtimeMs).toString(16)}"` };
}

/** One day: the file changes only with a deployment or a package upgrade, and the ETag revalidates it. */
const CACHE_CONTROL = 'public, max-age=86400';

/**
 * Whether the client takes gzip: RFC 9110 §12.5.3, where no Accept-Encoding
 * at all means any coding is acceptable and `q=0` refuses one.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return true;
  return header.split(',').some((part) => {
    const [coding = '', ...params] = part.split(';').map((each) => each.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== '*') return false;
    const q = params.find((param) => param.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * Answers GET /docs/api-reference.js: the file streamed from disk (read per
 * request, never held in memory), revalidated with a weak ETag. The gzipped
 * Lambda asset is sent as it is to every client that takes gzip (all
 * browsers), and inflated on the way for one that refuses it.
 */
export function docsScriptHandler() {
  let located: Promise<ScriptFile> | undefined;
  return async (c: Context) => {
    located ??= locate().catch((error: unknown) => {
      located = undefined;
      throw error;
    });
    const file = await located;
    const headers: Record<string, string> = {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': CACHE_CONTROL,
      etag: file.etag,
      vary: 'accept-encoding',
    };
    if (
      c.req
        .header('if-none-match')
        ?.split(/\s*,\s*/)
        .includes(file.etag)
    ) {
      return c.body(null, 304, headers);
    }
    const inflate = file.encoding === 'gzip' && !acceptsGzip(c.req.header('accept-encoding'));
    if (file.encoding === 'gzip' && !inflate) headers['content-encoding'] = 'gzip';
    if (!inflate) headers['content-length'] = String(file.size);
    if (c.req.method === 'HEAD') return c.body(null, 200, headers);
    const source = createReadStream(file.path);
    const body = inflate ? pipeline(source, createGunzip(), () => {}) : source;
    return c.body(Readable.toWeb(body) as ReadableStream<Uint8Array>, 200, headers);
  };
}
