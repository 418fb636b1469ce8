import { createServer, type Server, type Socket } from 'node:net';
import {
  createFakeImapState,
  type FakeImapCommand,
  type FakeImapOptions,
  type FakeImapServer,
  type FakeImapSession,
  resolveFakeImapOptions,
} from './options.js';
import { serveFakeImapSession } from './session.js';

/**
 * A scriptable IMAP server for answers Dovecot never gives: refusals as a
 * plain `NO <free text>` without RFC 5530 response codes, in any wording or
 * language, case-insensitive mailbox names, a mailbox that disappears
 * between two commands. Plain TCP on 127.0.0.1, port 0; the state is shared
 * by all sessions and readable by the test.
 */
export async function startFakeImapServer(options: Partial<FakeImapOptions> = {}): Promise<FakeImapServer> {
  const config = resolveFakeImapOptions(options);
  const state = createFakeImapState(config);
  const sessions: FakeImapSession[] = [];
  const commands: FakeImapCommand[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    sessions.push(serveFakeImapSession(socket, config, state, commands));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    state,
    sessions,
    commands,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
