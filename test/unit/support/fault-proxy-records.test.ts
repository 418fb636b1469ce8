import { afterEach, describe, expect, it } from 'vitest';
import {
  type FaultProxyOptions,
  startFaultProxy,
  transformLines,
  withoutCapability,
} from '../../support/fault-proxy.js';
import { echo, imapLike, pop3Like, type Responder, startLineServer } from './line-server.js';
import { settle, TestClient } from './test-client.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  faults: Omit<FaultProxyOptions, 'target'>,
  respond: Responder = echo,
  greeting?: string,
) {
  const server = await startLineServer({ respond, ...(greeting ? { greeting } : {}) });
  cleanups.push(server.close);
  const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: server.port }, ...faults });
  cleanups.push(() => proxy.close());
  return { server, proxy, connect: () => connectTracked(proxy.port) };
}

async function connectTracked(port: number): Promise<TestClient> {
  const client = await TestClient.connect(port);
  cleanups.push(async () => client.destroy());
  return client;
}

const GREETING = '* OK fake IMAP ready\r\n';

describe('fault proxy records', () => {
  it('records command lines per connection, in order', async () => {
    const { proxy, connect } = await setup({});
    const a = await connect();
    const b = await connect();
    await a.exchange('a1', 'echo a1');
    await b.exchange('b1', 'echo b1');
    await a.exchange('a2', 'echo a2');
    expect(proxy.commands).toEqual([
      { connection: 0, line: 'a1' },
      { connection: 1, line: 'b1' },
      { connection: 0, line: 'a2' },
    ]);
  });

  it('counts one flight per request that follows an answer, however the bytes are chunked', async () => {
    const { proxy, connect } = await setup({}, imapLike, GREETING);
    const client = await connect();
    await client.waitFor(GREETING);
    client.socket.write('A1 NO');
    await settle(50);
    client.socket.write('OP\r\n');
    await client.waitFor('A1 OK');
    await client.exchange('A2 NOOP', 'A2 OK');
    client.socket.write('A3 NOOP\r\nA4 NOOP\r\n');
    await client.waitFor('A4 OK');
    expect(proxy.flights.total).toBe(3);
    expect(proxy.flights.perConnection.get(0)).toBe(3);
  });

  it('counts bytes each way in total and per connection', async () => {
    const { proxy, connect } = await setup({});
    const a = await connect();
    const b = await connect();
    await a.exchange('hi', 'echo hi');
    await b.exchange('hello', 'echo hello');
    expect(proxy.bytes.perConnection.get(0)).toEqual({ toServer: 4, toClient: 9 });
    expect(proxy.bytes.perConnection.get(1)).toEqual({ toServer: 7, toClient: 12 });
    expect({ toServer: proxy.bytes.toServer, toClient: proxy.bytes.toClient }).toEqual({
      toServer: 11,
      toClient: 21,
    });
  });

  it('tracks live, total and peak connections, and reset() clears the records', async () => {
    const { proxy, connect } = await setup({});
    const a = await connect();
    const b = await connect();
    await a.exchange('x', 'echo x');
    await b.exchange('y', 'echo y');
    expect([proxy.connections, proxy.totalConnections, proxy.peakConnections]).toEqual([2, 2, 2]);
    a.destroy();
    await a.closed;
    await waitUntil(() => proxy.connections === 1);
    proxy.reset();
    expect(proxy.commands).toEqual([]);
    expect([proxy.bytes.toServer, proxy.bytes.toClient, proxy.flights.total]).toEqual([0, 0, 0]);
    expect([proxy.totalConnections, proxy.peakConnections]).toEqual([0, 1]);
    await b.exchange('z', 'echo z');
    expect(proxy.commands).toEqual([{ connection: 1, line: 'z' }]);
  });

  it('hides STARTTLS from IMAP capabilities and STLS from the POP3 CAPA list', async () => {
    const imap = await setup({ transformToClient: withoutCapability('STARTTLS') }, imapLike, GREETING);
    const imapClient = await imap.connect();
    await imapClient.exchange('A1 CAPABILITY', 'A1 OK');
    expect(imapClient.received).toContain('* CAPABILITY IMAP4rev1 IDLE\r\n');

    const pop3 = await setup({ transformToClient: withoutCapability('STLS') }, pop3Like, '+OK ready\r\n');
    const pop3Client = await pop3.connect();
    await pop3Client.exchange('CAPA', '\r\n.\r\n');
    expect(pop3Client.received).toBe('+OK ready\r\n+OK capabilities\r\nUIDL\r\nTOP\r\n.\r\n');
  });

  it('rewrites client lines on their way to the server', async () => {
    const upper = transformLines((line) => line.toUpperCase());
    const { server, proxy, connect } = await setup({ transformToServer: upper });
    const client = await connect();
    client.socket.write('mi');
    await settle(50);
    client.socket.write('xed\r\n');
    await client.waitFor('echo MIXED');
    expect(server.lines).toEqual(['MIXED']);
    expect(proxy.commands[0]?.line).toBe('mixed');
  });

  it('treats a connection that opens with a TLS handshake as opaque', async () => {
    const { proxy, connect } = await setup({}, () => undefined);
    const client = await connect();
    client.socket.write(Buffer.from([0x16, 0x03, 0x01, 0x0a, 0x0d, 0x0a]));
    await waitUntil(() => proxy.bytes.toServer === 6);
    expect(proxy.commands).toEqual([]);
  });

  it('close() ends every client and server socket and stops accepting', async () => {
    const { server, proxy, connect } = await setup({ stall: { afterCommands: 1 } });
    const a = await connect();
    const b = await connect();
    a.send('stuck');
    await waitUntil(() => server.lines.length === 1 && server.openSockets() === 2);
    await proxy.close();
    await Promise.all([a.closed, b.closed]);
    expect(proxy.connections).toBe(0);
    await waitUntil(() => server.openSockets() === 0);
    await expect(TestClient.connect(proxy.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await settle(10);
  }
}

describe('fault proxy throughput', () => {
  it('passes a large IMAP literal through intact and counts every byte', async () => {
    const body = `${'0123456789abcdef'.repeat(4)}\r\n`.repeat(16_384);
    const answer = (tag: string) => `* 1 FETCH (BODY[] {${body.length}}\r\n${body})\r\n${tag} OK done\r\n`;
    const { proxy, connect } = await setup({}, (line) => answer(line.split(' ')[0]!), GREETING);
    const client = await connect();
    await client.exchange('A1 FETCH 1 BODY[]', 'A1 OK done');
    expect(client.received).toBe(GREETING + answer('A1'));
    expect(proxy.bytes.toClient).toBe(GREETING.length + answer('A1').length);
  });
});
