import { join, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNTS_FILE } from '../../lib/credentials/create-store.js';
import { FileCredentialStore } from '../../lib/credentials/file-store.js';
import { SecretsManagerCredentialStore } from '../../lib/credentials/secrets-manager-store.js';
import { LOCAL_DEFAULT_ACCOUNTS_FILE, openLocalCredentialStore } from '../../lib/local/credential-store.js';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The packages the local server's entry reaches through static imports
 * alone: what Node loads before it can answer. esbuild walks the graph
 * (packages left external, so only their names are seen); `import()` edges
 * are not followed.
 */
async function eagerPackages(entry: string): Promise<Set<string>> {
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
    outdir: join(ROOT, '.tmp', 'eager-imports'),
  });
  const inputs: Metafile['inputs'] = result.metafile.inputs;
  const reached = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (reached.has(file)) continue;
    reached.add(file);
    for (const edge of inputs[file]?.imports ?? []) {
      if (edge.kind !== 'import-statement') continue;
      if (edge.external) packages.add(edge.path);
      else queue.push(edge.path);
    }
  }
  return packages;
}

describe('what the local server loads before its first answer', () => {
  it('leaves the AWS SDK and the MCP SDK to the requests that need them', async () => {
    const packages = [...(await eagerPackages('functions/local-server.ts'))];
    // The server itself is there: the graph was walked.
    expect(packages).toEqual(expect.arrayContaining(['@hono/node-server', 'imapflow']));
    expect(packages.filter((name) => name.startsWith('@aws-sdk/'))).toEqual([]);
    expect(packages.filter((name) => name.startsWith('@modelcontextprotocol/'))).toEqual([]);
  });
});

describe('openLocalCredentialStore', () => {
  it('opens the accounts file as createCredentialStore does, at the same default place', async () => {
    expect(LOCAL_DEFAULT_ACCOUNTS_FILE).toBe(DEFAULT_ACCOUNTS_FILE);
    const config = {
      MAILGATE_STORE: 'file',
      MAILGATE_SECRET_PREFIX: 'mailgate/',
      MAILGATE_SECRET_CACHE_SECONDS: 0,
    } as const;
    const byDefault = await openLocalCredentialStore(config, '/srv/gateway');
    expect(byDefault).toBeInstanceOf(FileCredentialStore);
    expect((byDefault as FileCredentialStore).path).toBe('/srv/gateway/.mailgate/accounts.json');
    const named = await openLocalCredentialStore(
      { ...config, MAILGATE_ACCOUNTS_FILE: 'a/b.json' },
      '/srv/gateway',
    );
    expect((named as FileCredentialStore).path).toBe('/srv/gateway/a/b.json');
  });

  it('loads the Secrets Manager store when the configuration asks for it', async () => {
    const store = await openLocalCredentialStore({
      MAILGATE_STORE: 'secretsmanager',
      MAILGATE_SECRET_PREFIX: 'mailgate/',
      MAILGATE_SECRET_CACHE_SECONDS: 0,
    });
    expect(store).toBeInstanceOf(SecretsManagerCredentialStore);
  });
});
