import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { ImapTransport } from 'imapflow';
import { PipeliningSocket } from './pipelining-socket.js';

/** An imapflow transport that keeps the socket it opened, for the connection's owner to hold. */
export interface PipeliningTransport extends ImapTransport {
  /** The socket once imapflow asked for it (it does when `connect()` starts); null before. */
  readonly socket: PipeliningSocket | null;
}

/**
 * An imapflow `transport` (its documented extension point for the socket)
 * that opens a plain or implicit-TLS connection like imapflow would and puts
 * a PipeliningSocket on it. It has no STARTTLS upgrade, so it is only used
 * for accounts with `tls: 'implicit'` or `'none'`. What to pipeline with
 * LOGIN is handed to the socket (`pipelineWithLogin`) by whoever owns the
 * connection.
 */
export function createPipeliningTransport(): PipeliningTransport {
  let socket: PipeliningSocket | null = null;
  return {
    get socket() {
      return socket;
    },
    connect(options, onConnect) {
      const { host, port, servername, tls } = options;
      const inner = options.secure
        ? connectTls({ ...(tls ?? {}), host, port, ...(servername ? { servername } : {}) }, onConnect)
        : connectTcp({ host, port }, onConnect);
      inner.setNoDelay(true);
      socket = new PipeliningSocket(inner);
      return socket;
    },
  };
}
