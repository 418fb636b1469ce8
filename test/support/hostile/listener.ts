import { createServer, type Server, type Socket } from 'node:net';

/** A TCP server on 127.0.0.1 that counts the sockets its client has left open. */
export interface CountingServer {
  port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections still open: the client must close every one it opened. */
  readonly openSockets: number;
  /** Resolves once every accepted socket has closed, or after `timeoutMs` (then some are still open). */
  whenAllClosed(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function listenCounting(serve: (socket: Socket) => void): Promise<CountingServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let waiters: Array<() => void> = [];
  const server: Server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) for (const resolve of waiters.splice(0)) resolve();
    });
    serve(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    get accepted() {
      return accepted;
    },
    get openSockets() {
      return sockets.size;
    },
    whenAllClosed(timeoutMs) {
      if (sockets.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    close() {
      waiters = [];
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Writes `total` bytes of `unit` repeated, as fast as the client reads them,
 * then stops (the socket stays open). Stops early when the client closes.
 * @returns the bytes written
 */
export async function flood(socket: Socket, total: number, unit: Buffer): Promise<number> {
  const block = Buffer.alloc(256 * 1024 - ((256 * 1024) % unit.length), unit);
  let sent = 0;
  while (sent < total && !socket.destroyed && socket.writable) {
    const piece = block.subarray(0, Math.min(block.length, total - sent));
    sent += piece.length;
    if (!socket.write(piece)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
    }
  }
  return sent;
}

/** Complete CRLF lines from a socket, in order. */
export function onLines(socket: Socket, handle: (line: string) => void): void {
  let pending = '';
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    for (let end = pending.indexOf('\r\n'); end !== -1; end = pending.indexOf('\r\n')) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 2);
      handle(line);
    }
  });
}
