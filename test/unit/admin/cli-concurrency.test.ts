import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileCredentialStore } from '../../../lib/credentials/file-store.js';

/**
 * Several admin CLI processes writing one credential file at once: each
 * read-modify-write holds the file's lock, so no change is lost and a
 * revoke is never undone by a create that read the file before it.
 */
const BIN = resolve(import.meta.dirname, '../../../bin/mailgate.js');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function mailgate(args: string[], cwd: string): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MAILGATE_')));
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
    child.stdin.end('');
  });
}

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailgate-cli-lock-'));
  file = join(dir, 'accounts.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const create = (label: string) =>
  mailgate(['token', 'create', '--accounts', '*', '--scope', 'read', '--label', label, '--file', file], dir);

async function storedTokenIds(): Promise<string[]> {
  const stored = JSON.parse(await readFile(file, 'utf8')) as { tokens: Record<string, unknown> };
  return Object.keys(stored.tokens).sort();
}

describe('concurrent CLI processes on one credential file', { timeout: 120_000 }, () => {
  it('8 concurrent token creates: all 8 tokens are stored and work', async () => {
    const runs = await Promise.all(Array.from({ length: 8 }, (_, i) => create(`parallel-${i}`)));
    for (const run of runs) expect(run, run.stderr).toMatchObject({ status: 0 });
    const store = new FileCredentialStore({ path: file });
    expect(await storedTokenIds()).toHaveLength(8);
    for (const run of runs) expect(await store.verifyToken(run.stdout.trim())).toBeDefined();
  });

  it('a revoke racing creates is never undone: the revoked token stops working, every created one works', async () => {
    const store = new FileCredentialStore({ path: file });
    for (let trial = 0; trial < 3; trial += 1) {
      const victim = await store.createToken({ accounts: '*', scope: 'read' });
      const [revoke, ...creates] = await Promise.all([
        mailgate(['token', 'revoke', victim.record.tokenId, '--file', file], dir),
        create(`racer-${trial}-a`),
        create(`racer-${trial}-b`),
      ]);
      expect(revoke, revoke.stderr).toMatchObject({ status: 0 });
      expect(await store.verifyToken(victim.token)).toBeUndefined();
      for (const run of creates) {
        expect(run, run.stderr).toMatchObject({ status: 0 });
        expect(await store.verifyToken(run.stdout.trim())).toBeDefined();
      }
    }
  });

  it('recovers a lock left behind by a process that died, and leaves no lock file', async () => {
    // A pid that cannot be running: above the kernel's pid_max (at most 2^22).
    await writeFile(`${file}.lock`, JSON.stringify({ pid: 2 ** 23, host: hostname(), nonce: 'gone' }));
    const run = await create('after-crash');
    expect(run, run.stderr).toMatchObject({ status: 0 });
    expect(await storedTokenIds()).toHaveLength(1);
    await expect(readFile(`${file}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
