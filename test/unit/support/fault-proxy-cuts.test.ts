import { afterEach, describe, expect, it } from 'vitest';
import { type FaultProxyOptions, startFaultProxy } from '../../support/fault-proxy.js';
import { echo, type LineServer, type Responder, startLineServer } from './line-server.js';
import { TestClient } from './test-client.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  faults: Omit<FaultProxyOptions, 'target'>,
  respond: Responder = echo,
  greeting?: string,
) {
  const server: LineServer = await startLineServer({ respond, ...(greeting ? { greeting } : {}) });
  cleanups.push(server.close);
  const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: server.port }, ...faults });
  cleanups.push(() => proxy.close());
  const client = await TestClient.connect(proxy.port);
  cleanups.push(async () => client.destroy());
  return { server, proxy, client };
}

describe('fault proxy cuts', () => {
  it('cuts with a FIN after forwarding the Nth command, before its answer', async () => {
    const { server, proxy, client } = await setup({ cutAfterCommands: 2 });
    await client.exchange('one', 'echo one');
    client.send('two');
    await client.closed;
    expect(server.lines).toEqual(['one', 'two']);
    expect(client.received).toBe('echo one\r\n');
    expect(client.gotEnd).toBe(true);
    expect(client.error).toBeUndefined();
    expect(proxy.commandsOf(0)).toEqual(['one', 'two']);
  });

  it('drops the Nth command with cutBeforeForwarding', async () => {
    const { server, client } = await setup({ cutAfterCommands: 2, cutBeforeForwarding: true });
    await client.exchange('one', 'echo one');
    client.send('two');
    await client.closed;
    expect(server.lines).toEqual(['one']);
  });

  it('counts command lines inside one TCP chunk', async () => {
    const { server, client } = await setup({ cutAfterCommands: 2 });
    client.socket.write('a\r\nb\r\nc\r\n');
    await client.closed;
    expect(server.lines).toEqual(['a', 'b']);
  });

  it('resets the connection so the client sees ECONNRESET', async () => {
    const { client } = await setup({ reset: { afterCommands: 1 } });
    client.send('one');
    await client.closed;
    expect(client.error?.code).toBe('ECONNRESET');
    expect(client.received).toBe('');
  });

  it('cuts after exactly N bytes to the client', async () => {
    const { client } = await setup({ cutAfterBytes: { toClient: 5 } });
    client.send('hello');
    await client.closed;
    expect(client.received).toBe('echo ');
  });

  it('cuts after exactly N bytes to the server', async () => {
    const { server, client } = await setup({ cutAfterBytes: { toServer: 7 } });
    client.socket.write('ab\r\ncd\r\n');
    await client.closed;
    expect(server.lines).toEqual(['ab']);
    expect(client.received).toBe('');
  });

  it('lets onCommand cut, reset or forward per line', async () => {
    const decide = (line: string) => (line === 'boom' ? 'reset' : line === 'bye' ? 'cut' : 'forward');
    const { server, client } = await setup({ onCommand: decide });
    await client.exchange('fine', 'echo fine');
    client.send('bye');
    await client.closed;
    expect(server.lines).toEqual(['fine', 'bye']);
    expect(client.error).toBeUndefined();

    const second = await TestClient.connect((await setupProxyPort(server.port, { onCommand: decide })).port);
    second.send('boom');
    await second.closed;
    expect(second.error?.code).toBe('ECONNRESET');
  });

  it('refuses the client when the target is down', async () => {
    const { server } = await setup({});
    const port = server.port;
    await server.close();
    const proxy = await setupProxyPort(port, {});
    const client = await TestClient.connect(proxy.port);
    await client.closed;
    expect(client.received).toBe('');
    await proxy.whenIdle();
    expect(proxy.connections).toBe(0);
  });
});

async function setupProxyPort(port: number, faults: Omit<FaultProxyOptions, 'target'>) {
  const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port }, ...faults });
  cleanups.push(() => proxy.close());
  return proxy;
}
