import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, TLSSocket, connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import { createTestCertificate } from '../../support/test-certificate.js';
import { TestClient } from './test-client.js';

let key: string;
let cert: string;
let server: Server;
let proxy: FaultProxy;
const serverSockets = new Set<Socket>();

beforeAll(async () => {
  ({ key, cert } = createTestCertificate());
  server = createServer(serveStartTls);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: address.port } });
});

afterAll(async () => {
  await proxy.close();
  for (const socket of serverSockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/** Plaintext greeting, STARTTLS, then an echo of each line over TLS (RFC 9051 §6.2.1). */
function serveStartTls(plain: Socket): void {
  serverSockets.add(plain);
  plain.on('error', () => {});
  plain.write('* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n');
  plain.once('data', () => {
    plain.write('A1 OK begin TLS now\r\n');
    const secure = new TLSSocket(plain, { isServer: true, key, cert });
    secure.on('error', () => {});
    secure.on('data', (chunk: Buffer) => secure.write(`secret echo ${chunk.toString('utf8')}`));
  });
}

describe('fault proxy with TLS', () => {
  it('passes an upgraded session through verified TLS and records only the plaintext part', async () => {
    const plain = await TestClient.connect(proxy.port);
    await plain.exchange('A1 STARTTLS', 'A1 OK begin TLS now\r\n');
    const secure = tlsConnect({ socket: plain.socket, ca: cert, servername: 'localhost', host: '127.0.0.1' });
    await once(secure, 'secureConnect');
    secure.write('A2 NOOP password\r\n');
    const [reply] = (await once(secure, 'data')) as [Buffer];
    expect(reply.toString('utf8')).toBe('secret echo A2 NOOP password\r\n');
    expect(proxy.commands).toEqual([{ connection: 0, line: 'A1 STARTTLS' }]);
    expect(proxy.bytes.toServer).toBeGreaterThan('A1 STARTTLS\r\nA2 NOOP password\r\n'.length);
    secure.destroy();
  });

  it('passes implicit TLS through and records nothing', async () => {
    const tlsServer = createTlsServer({ key, cert }, (socket) => {
      socket.on('error', () => {});
      socket.write('* OK secure greeting\r\n');
    });
    tlsServer.listen(0, '127.0.0.1');
    await once(tlsServer, 'listening');
    const address = tlsServer.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const implicit = await startFaultProxy({ target: { host: '127.0.0.1', port: address.port } });
    try {
      const client = tlsConnect({
        port: implicit.port,
        host: '127.0.0.1',
        ca: cert,
        servername: 'localhost',
      });
      const [greeting] = (await once(client, 'data')) as [Buffer];
      expect(greeting.toString('utf8')).toBe('* OK secure greeting\r\n');
      const before = implicit.bytes.toServer;
      client.write('A1 LOGIN alice secret\r\n');
      while (implicit.bytes.toServer === before) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(implicit.commands).toEqual([]);
      expect(implicit.flights.total).toBeGreaterThanOrEqual(2);
      client.destroy();
    } finally {
      await implicit.close();
      tlsServer.close();
    }
  });
});
