import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * `mailgate/client` is meant for browsers and mobile apps: bundled for a
 * platform without Node built-ins, it must hold lib/client and openapi-fetch
 * and nothing else (no hono, imapflow, lib/http …), and stay small.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A ceiling with room above today's size (13.6 KB minified, 5.1 KB gzipped); a server module pulled in would blow it. */
const MAX_MINIFIED_BYTES = 16 * 1024;

describe('the client bundle', () => {
  it('holds only lib/client and openapi-fetch, for any platform, in a few KB', async () => {
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: ['lib/client/index.ts'],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'neutral',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).sort();
    // node_modules may be a link elsewhere (esbuild names the real path): match the package by its folder.
    const openapiFetch = /(^|\/)node_modules\/openapi-fetch\//;
    expect(inputs.filter((path) => !path.startsWith('lib/client/') && !openapiFetch.test(path))).toEqual([]);
    expect(inputs.some((path) => openapiFetch.test(path))).toBe(true);
    // Nothing left to import at run time: no externals, no Node built-ins.
    const [output] = Object.values(result.metafile.outputs);
    expect(output!.imports).toEqual([]);
    const bytes = result.outputFiles[0]!.contents;
    expect(bytes.length).toBeLessThan(MAX_MINIFIED_BYTES);
    expect(gzipSync(bytes).length).toBeLessThan(MAX_MINIFIED_BYTES / 2);
  });
});
