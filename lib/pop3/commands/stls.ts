import type { Socket } from 'node:net';
import type { Pop3Connection } from '../connection.js';
import { type SocketTarget, upgradeSocket } from '../open-socket.js';

/**
 * STLS (RFC 2595 §4): after +OK the TLS handshake starts on the same socket.
 * Nothing the server sent before the handshake may be trusted, so the caller
 * must issue CAPA again afterwards.
 * @throws Pop3Error when the server refuses or the handshake fails.
 */
export async function stls(
  connection: Pop3Connection,
  target: Pick<SocketTarget, 'host' | 'tlsOptions' | 'timeoutMs' | 'signal'>,
): Promise<void> {
  await connection.send({ line: 'STLS', verb: 'STLS', phase: 'tls', multiline: false });
  let ready: Promise<Socket> | undefined;
  connection.replaceSocket((plain) => {
    const upgraded = upgradeSocket(plain, target);
    ready = upgraded.ready;
    return upgraded.socket;
  });
  await ready;
}
