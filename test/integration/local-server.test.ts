import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** Starts `npm start`'s entry exactly as the README's first command does and collects what it prints. */
function startLocalServer(): {
  child: ChildProcess;
  output: () => string;
  waitFor: (re: RegExp) => Promise<RegExpMatchArray>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'functions/local-server.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      MAILGATE_ACCOUNTS_FILE: join(tmpdir(), `mailgate-none-${process.pid}.json`),
      MAILGATE_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return {
    child,
    output: () => text,
    async waitFor(re) {
      const until = Date.now() + 90_000;
      while (Date.now() < until) {
        const match = text.match(re);
        if (match) return match;
        if (child.exitCode !== null) throw new Error(`local server exited: ${text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`timed out waiting for ${re}: ${text}`);
    },
  };
}

describe('npm start with no accounts configured', () => {
  const server = startLocalServer();

  afterAll(async () => {
    if (server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
  });

  it('serves the demo and prints a curl line that lists the demo INBOX', async () => {
    const [, url] = await server.waitFor(/listening on (http:\/\/\S+)/);
    expect(server.output()).toContain(`${url}/docs`);
    const [curlLine] = await server.waitFor(/curl [^\n]+\/v1\/accounts\/demo\/mailboxes\/INBOX\/messages/);
    const { stdout } = await run('sh', ['-c', curlLine], { maxBuffer: 16 * 1024 * 1024 });
    const page = JSON.parse(stdout) as { messages: Array<{ subject: string }>; total: number };
    expect(page.total).toBeGreaterThanOrEqual(24);
    expect(page.messages.length).toBeGreaterThan(10);
    expect(page.messages.every((m) => typeof m.subject === 'string')).toBe(true);
  });

  it('stops its demo mail server on SIGTERM', async () => {
    const demoDovecot = async () =>
      (await run('sh', ['-c', 'pgrep -f "[d]ovecot -c .*mailgate-demo-" || true'])).stdout.trim();
    expect(await demoDovecot()).not.toBe('');
    server.child.kill('SIGTERM');
    const [code] = await once(server.child, 'exit');
    expect(code).toBe(0);
    expect(await demoDovecot()).toBe('');
  });
});
