import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { ImapTransport } from 'imapflow';
import { PipeliningSocket } from './pipelining-socket.js';

/**
 * An imapflow `transport` (its documented extension point for the socket)
 * that opens a plain or implicit-TLS connection like imapflow would and puts
 * a PipeliningSocket on it. It has no STARTTLS upgrade, so it is only used
 * for accounts with `tls: 'implicit'` or `'none'`.
 *
 * @param plan asked when LOGIN is written: the commands to pipeline with it.
 * @param onSocket told the socket as soon as it exists.
 */
export function createPipeliningTransport(
  plan: () => string[],
  onSocket: (socket: PipeliningSocket) => void = () => undefined,
): ImapTransport {
  return {
    connect(options, onConnect) {
      const { host, port, servername, tls } = options;
      const inner = options.secure
        ? connectTls({ ...(tls ?? {}), host, port, ...(servername ? { servername } : {}) }, onConnect)
        : connectTcp({ host, port }, onConnect);
      inner.setNoDelay(true);
      const socket = new PipeliningSocket(inner, plan);
      onSocket(socket);
      return socket;
    },
  };
}
