import type { Socket } from 'node:net';

type Entry = { readyAt: number; data: Buffer } | { readyAt: number; action: () => void };

export interface OutputPipeOptions {
  delayMs: () => number;
  trickle: () => { bytesPerTick: number; intervalMs: number } | undefined;
  onWritten: (bytes: number) => void;
}

/**
 * Writes one direction of a proxied connection in order, adding delay and trickle.
 * Actions queued between data run only once everything before them reached the
 * kernel, so "cut after this command was forwarded" really forwards it first.
 */
export class OutputPipe {
  private readonly queue: Entry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private unflushed = 0;
  private nextTickAt = 0;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly options: OutputPipeOptions,
  ) {}

  write(data: Buffer): void {
    if (this.closed || data.length === 0) return;
    this.queue.push({ readyAt: Date.now() + this.options.delayMs(), data });
    this.pump();
  }

  /** Runs `action` after all data written before it has been flushed to the socket. */
  afterFlush(action: () => void): void {
    if (this.closed) return;
    this.queue.push({ readyAt: Date.now() + this.options.delayMs(), action });
    this.pump();
  }

  /** Drops everything queued and accepts nothing more. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private pump(): void {
    while (!this.closed && this.timer === undefined) {
      const head = this.queue[0];
      if (!head) return;
      const wait = head.readyAt - Date.now();
      if (wait > 0) {
        this.schedule(wait);
        return;
      }
      if ('action' in head) {
        if (this.unflushed > 0) return;
        this.queue.shift();
        head.action();
        continue;
      }
      const trickle = this.options.trickle();
      if (trickle && this.nextTickAt > Date.now()) {
        this.schedule(this.nextTickAt - Date.now());
        return;
      }
      const piece =
        trickle && head.data.length > trickle.bytesPerTick
          ? head.data.subarray(0, trickle.bytesPerTick)
          : head.data;
      if (piece === head.data) this.queue.shift();
      else head.data = head.data.subarray(piece.length);
      this.send(piece);
      if (trickle) this.nextTickAt = Date.now() + trickle.intervalMs;
    }
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, ms);
  }

  private send(piece: Buffer): void {
    if (this.socket.destroyed) return;
    this.unflushed += 1;
    this.options.onWritten(piece.length);
    this.socket.write(piece, () => {
      this.unflushed -= 1;
      if (this.unflushed === 0) this.pump();
    });
  }
}
