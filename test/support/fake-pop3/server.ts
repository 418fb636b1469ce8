import { createServer, type Server, type Socket } from 'node:net';
import {
  type FakePop3Options,
  type FakePop3Server,
  type FakeSession,
  resolveFakePop3Options,
} from './options.js';
import { serveFakeSession } from './session.js';

/**
 * A scriptable POP3 server for the faults Dovecot cannot produce on demand:
 * responses split at a chosen byte, stalls mid-RETR, dropped connections,
 * missing STLS or PIPELINING. It records every socket read it received, so a
 * test can assert how many writes the client used. Binds 127.0.0.1, port 0.
 */
export async function startFakePop3Server(options: Partial<FakePop3Options> = {}): Promise<FakePop3Server> {
  const config = resolveFakePop3Options(options);
  const maildrop = [...config.messages];
  const sessions: FakeSession[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    sessions.push(serveFakeSession(socket, config, maildrop));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    sessions,
    maildrop,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
