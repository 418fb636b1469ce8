import { afterEach, describe, expect, it } from 'vitest';
import { type FaultProxyOptions, startFaultProxy } from '../../support/fault-proxy.js';
import { echo, type Responder, startLineServer } from './line-server.js';
import { settle, TestClient } from './test-client.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(faults: Omit<FaultProxyOptions, 'target'>, respond: Responder = echo) {
  const server = await startLineServer({ respond });
  cleanups.push(server.close);
  const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: server.port }, ...faults });
  cleanups.push(() => proxy.close());
  const client = await TestClient.connect(proxy.port);
  cleanups.push(async () => client.destroy());
  return { server, proxy, client };
}

const LONG_ANSWER = `${'x'.repeat(38)}\r\n`;

describe('fault proxy timing faults', () => {
  it('stalls after N commands: the command reaches the server, nothing comes back, the socket stays open', async () => {
    const { server, proxy, client } = await setup({ stall: { afterCommands: 2 } });
    await client.exchange('one', 'echo one');
    client.send('two');
    await settle(300);
    expect(server.lines).toEqual(['one', 'two']);
    expect(client.received).toBe('echo one\r\n');
    expect(client.isClosed).toBe(false);
    expect(proxy.connections).toBe(1);
    client.destroy();
    await proxy.whenIdle();
    expect(proxy.connections).toBe(0);
  });

  it('stalls after N bytes to the client', async () => {
    const { client } = await setup({ stall: { afterBytesToClient: 3 } });
    client.send('hello');
    await settle(300);
    expect(client.received).toBe('ech');
    expect(client.isClosed).toBe(false);
  });

  it('trickles server data slowly but completely', async () => {
    const { proxy, client } = await setup(
      { trickle: { bytesPerTick: 4, intervalMs: 20 } },
      () => LONG_ANSWER,
    );
    const started = Date.now();
    client.send('go');
    await client.waitFor(LONG_ANSWER);
    // 40 bytes at 4 per tick need 9 gaps of at least 20 ms between the 10 pieces.
    expect(Date.now() - started).toBeGreaterThanOrEqual(9 * 20);
    expect(client.received).toBe(LONG_ANSWER);
    expect(proxy.bytes.toClient).toBe(LONG_ANSWER.length);
  });

  it('adds the one-way delay in each direction, keeping order', async () => {
    const delayMs = 100;
    const { server, client } = await setup({ delayMs });
    const started = Date.now();
    await client.exchange('first', 'echo first');
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * delayMs);
    client.socket.write('a\r\nb\r\n');
    client.socket.write('c\r\n');
    await client.waitFor('echo c');
    expect(server.lines).toEqual(['first', 'a', 'b', 'c']);
    expect(client.received).toBe('echo first\r\necho a\r\necho b\r\necho c\r\n');
  });

  it('applies new faults to an open connection, counting from the change', async () => {
    const { proxy, client } = await setup({});
    await client.exchange('one', 'echo one');
    await client.exchange('two', 'echo two');
    proxy.setFaults({ cutAfterCommands: 1 });
    client.send('three');
    await client.closed;
    expect(client.received).toBe('echo one\r\necho two\r\n');
  });

  it('leaves open connections alone when faults are set for new ones only', async () => {
    const { proxy, client } = await setup({});
    proxy.setFaults({ cutAfterCommands: 1 }, 'new');
    await client.exchange('one', 'echo one');
    await client.exchange('two', 'echo two');
    const fresh = await TestClient.connect(proxy.port);
    fresh.send('three');
    await fresh.closed;
    expect(fresh.received).toBe('');
    expect(client.isClosed).toBe(false);
  });
});
