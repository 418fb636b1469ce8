import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';

/**
 * A server on 127.0.0.1 that accepts connections and then says nothing (or only a
 * greeting), for greeting and response timeouts. It never closes a socket itself,
 * so `openSockets` falling back to zero proves the client gave up and closed.
 */
export class SilentServer {
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;
  private readonly chunks: Buffer[] = [];
  private accepted = 0;
  private drained: Array<() => void> = [];

  constructor(
    private readonly listener: Server,
    greeting: string | undefined,
  ) {
    listener.on('listening', () => {
      const address = listener.address();
      if (address !== null && typeof address !== 'string') this.boundPort = address.port;
    });
    listener.on('connection', (socket) => {
      this.accepted += 1;
      this.sockets.add(socket);
      socket.on('data', (chunk: Buffer) => this.chunks.push(chunk));
      socket.on('error', () => {});
      socket.on('close', () => this.forget(socket));
      if (greeting !== undefined) socket.write(greeting.endsWith('\n') ? greeting : `${greeting}\r\n`);
    });
  }

  /** The listening port; still readable after `close()`. */
  get port(): number {
    if (this.boundPort === 0) throw new Error('silent server is not listening');
    return this.boundPort;
  }

  /** Sockets the client has not closed yet. */
  get openSockets(): number {
    return this.sockets.size;
  }

  get totalConnections(): number {
    return this.accepted;
  }

  /** Everything any client sent, decoded as UTF-8. */
  get received(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  /** Resolves once at least one connection came and every accepted socket has closed. */
  whenAllClosed(): Promise<void> {
    if (this.accepted > 0 && this.sockets.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  /** Stops listening and destroys any socket still open. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    const gone = [...this.sockets].map((socket) => once(socket, 'close'));
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([closed, ...gone]);
  }

  private forget(socket: Socket): void {
    this.sockets.delete(socket);
    if (this.sockets.size > 0) return;
    for (const resolve of this.drained.splice(0)) resolve();
  }
}

async function listen(greeting: string | undefined): Promise<SilentServer> {
  const listener = createServer();
  const server = new SilentServer(listener, greeting);
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, '127.0.0.1', () => {
      listener.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** A server that accepts and never sends a byte. */
export function startNeverGreetServer(): Promise<SilentServer> {
  return listen(undefined);
}

/** A server that sends `greeting` (CRLF added when missing) and then nothing more. */
export function stallAfterGreeting(greeting: string): Promise<SilentServer> {
  return listen(greeting);
}
