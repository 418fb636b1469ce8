import { type AddressInfo, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createPop3Client } from '../../../lib/pop3/client.js';
import { type FakePop3Server, startFakePop3Server } from '../../support/fake-pop3-server.js';
import { connectClient, readAll } from './build-client.js';

let server: FakePop3Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const big = Buffer.concat([
  Buffer.from('Subject: big\r\n\r\n'),
  Buffer.alloc(200_000, 'x'),
  Buffer.from('\r\n'),
]);
const messages = [{ uid: 'big', raw: big }];

describe('deadlines and connection loss', () => {
  it('a RETR that stalls midway fails with upstream_timeout and the socket is closed', async () => {
    server = await startFakePop3Server({ messages, stallRetrAfter: 5_000 });
    const client = await connectClient(server, { commandTimeoutMs: 300 });
    const started = Date.now();
    const stream = await client.retr(1);
    await expect(readAll(stream)).rejects.toMatchObject({ code: 'upstream_timeout' });
    expect(Date.now() - started).toBeLessThan(3_000);
    // The server sees the client hang up: no socket is left open.
    await server.sessions[0]!.closed;
    expect(server.sessions[0]!.isClosed).toBe(true);
  });

  it('a command that gets no answer rejects, and so do the commands queued behind it', async () => {
    server = await startFakePop3Server({ messages, stallRetrAfter: 3 });
    const client = await connectClient(server, { commandTimeoutMs: 300 });
    const retr = client.retr(1);
    const noop = client.noop();
    await expect(retr).rejects.toMatchObject({ code: 'upstream_timeout' });
    await expect(noop).rejects.toMatchObject({ code: 'upstream_timeout' });
    await server.sessions[0]!.closed;
  });

  it('aborting the session rejects every pending command at once', async () => {
    server = await startFakePop3Server({ messages, stallRetrAfter: 3 });
    const controller = new AbortController();
    const client = await connectClient(server, { commandTimeoutMs: 60_000, signal: controller.signal });
    const pending = [client.retr(1), client.stat()];
    setTimeout(() => controller.abort(), 50);
    for (const promise of pending) await expect(promise).rejects.toMatchObject({ code: 'upstream_timeout' });
    await server.sessions[0]!.closed;
  });

  it('a server that drops the connection fails the command with upstream_unavailable', async () => {
    server = await startFakePop3Server({ messages, dropOn: { command: 'STAT', answer: false } });
    const client = await connectClient(server);
    await expect(client.stat()).rejects.toMatchObject({ code: 'upstream_unavailable' });
    await expect(client.noop()).rejects.toMatchObject({ code: 'upstream_unavailable' });
  });

  it('a greeting that never comes fails with upstream_timeout', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const client = createPop3Client({
      host: '127.0.0.1',
      port,
      tls: 'none',
      allowPlaintext: true,
      user: 'alice',
      password: 'secret',
      greetingTimeoutMs: 200,
    });
    await expect(client.connect()).rejects.toMatchObject({ code: 'upstream_timeout' });
    await new Promise((resolve) => silent.close(resolve));
  });

  it('a consumer that reads slowly holds back the socket instead of buffering the message', async () => {
    server = await startFakePop3Server({ messages: [{ uid: 'x', raw: hugeMessage() }] });
    const client = await connectClient(server, { commandTimeoutMs: 10_000 });
    const stream = await client.retr(1);
    // Nothing reads for a while: the client must not pull the whole message into memory.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stream.readableLength).toBeLessThan(2 * 1024 * 1024);
    const body = await readAll(stream);
    expect(body.equals(hugeMessage())).toBe(true);
    await client.quit();
  });
});

let huge: Buffer | undefined;
function hugeMessage(): Buffer {
  huge ??= Buffer.concat([
    Buffer.from('Subject: huge\r\n\r\n'),
    Buffer.from(`.${'x'.repeat(75)}\r\n`.repeat(100_000)),
  ]);
  return huge;
}
