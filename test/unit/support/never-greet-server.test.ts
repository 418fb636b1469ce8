import { afterEach, describe, expect, it } from 'vitest';
import {
  type SilentServer,
  stallAfterGreeting,
  startNeverGreetServer,
} from '../../support/never-greet-server.js';
import { settle, TestClient } from './test-client.js';

const servers: SilentServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

describe('silent servers', () => {
  it('accepts, never sends a byte, and sees the client close', async () => {
    const server = await startNeverGreetServer();
    servers.push(server);
    const client = await TestClient.connect(server.port);
    client.send('A1 NOOP');
    await settle(200);
    expect(client.received).toBe('');
    expect(client.isClosed).toBe(false);
    expect(server.openSockets).toBe(1);
    expect(server.received).toBe('A1 NOOP\r\n');
    client.destroy();
    await server.whenAllClosed();
    expect(server.openSockets).toBe(0);
    expect(server.totalConnections).toBe(1);
  });

  it('sends the greeting, with CRLF added, and then nothing', async () => {
    const server = await stallAfterGreeting('+OK hello');
    servers.push(server);
    const client = await TestClient.connect(server.port);
    await client.waitFor('+OK hello\r\n');
    client.send('USER alice');
    await settle(200);
    expect(client.received).toBe('+OK hello\r\n');
    expect(client.isClosed).toBe(false);
    client.destroy();
  });

  it('close() drops sockets the client left open', async () => {
    const server = await startNeverGreetServer();
    const client = await TestClient.connect(server.port);
    await settle(20);
    await server.close();
    await client.closed;
    expect(client.isClosed).toBe(true);
    expect(server.openSockets).toBe(0);
  });
});
