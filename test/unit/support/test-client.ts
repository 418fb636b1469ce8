import { connect, type Socket } from 'node:net';

/** A raw TCP client that records everything it receives and how its socket ended. */
export class TestClient {
  received = '';
  error: NodeJS.ErrnoException | undefined;
  gotEnd = false;
  readonly closed: Promise<void>;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.toString('latin1');
      this.notify();
    });
    socket.on('end', () => {
      this.gotEnd = true;
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.error = error;
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        resolve();
        this.notify();
      }),
    );
  }

  static connect(port: number): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, noDelay: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new TestClient(socket));
      });
    });
  }

  get isClosed(): boolean {
    return this.socket.closed;
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  /** Resolves once `text` has been received; rejects if the socket closes first or time runs out. */
  async waitFor(text: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.received.includes(text)) {
      if (this.isClosed)
        throw new Error(`closed before ${JSON.stringify(text)}; got ${JSON.stringify(this.received)}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no ${JSON.stringify(text)} in time; got ${JSON.stringify(this.received)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a line and waits for the reply to contain `expect`. */
  async exchange(line: string, expect: string): Promise<void> {
    this.send(line);
    await this.waitFor(expect);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}

/** Lets the event loop run for `ms`, for asserting that nothing happens meanwhile. */
export function settle(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
