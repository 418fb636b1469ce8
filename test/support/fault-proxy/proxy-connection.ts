import type { Socket } from 'node:net';
import { LineScanner } from './line-scanner.js';
import { OutputPipe } from './output-pipe.js';
import { ResponseTracker } from './response-tracker.js';
import type { CommandAction, CommandMatcher, FaultOptions, ProxyProtocol } from './types.js';

/** Counters one connection keeps up to date; the proxy sums them. */
export interface ConnectionStats {
  toServer: number;
  toClient: number;
  flights: number;
}

export interface ProxyConnectionHooks {
  command: (line: string) => void;
  closed: () => void;
}

type State = 'open' | 'stalled' | 'doomed' | 'closed';
const TLS_HANDSHAKE_RECORD = 0x16;

function matches(matcher: CommandMatcher | undefined, line: string): boolean {
  if (!matcher) return false;
  return typeof matcher === 'function' ? matcher(line) : matcher.test(line);
}

/**
 * One client socket spliced to one server socket, with the faults applied.
 * Client input is split into command lines (so faults can fire between commands);
 * server input into response lines (so faults can fire at the end of a response).
 */
export class ProxyConnection {
  readonly stats: ConnectionStats = { toServer: 0, toClient: 0, flights: 0 };
  private state: State = 'open';
  private commands = 0;
  private sentToServer = 0;
  private sentToClient = 0;
  private lastSpeaker: 'client' | 'server' | undefined;
  private opaque = false;
  private withholding = false;
  private readonly watched = new Map<number, 'after' | 'before'>();
  private readonly clientLines = new LineScanner();
  private readonly serverLines = new LineScanner(1000);
  private readonly tracker: ResponseTracker;
  private readonly toServer: OutputPipe;
  private readonly toClient: OutputPipe;
  private openSockets = 2;

  constructor(
    readonly index: number,
    private readonly client: Socket,
    private readonly server: Socket,
    private faults: FaultOptions,
    protocol: ProxyProtocol | undefined,
    private readonly hooks: ProxyConnectionHooks,
  ) {
    this.tracker = new ResponseTracker(protocol);
    this.syncLiteralMode();
    const delayMs = () => this.faults.delayMs ?? 0;
    this.toServer = new OutputPipe(server, {
      delayMs,
      trickle: () => undefined,
      onWritten: (n) => {
        this.stats.toServer += n;
      },
    });
    this.toClient = new OutputPipe(client, {
      delayMs,
      trickle: () => this.faults.trickle,
      onWritten: (n) => {
        this.stats.toClient += n;
      },
    });
    // Backpressure as a network has it: a side that does not read holds the other back, so the
    // byte counts are what crossed, not what this process queued in memory for a paused reader.
    client.on('data', (chunk: Buffer) => {
      this.fromClient(chunk);
      if (server.writableNeedDrain) client.pause();
    });
    server.on('data', (chunk: Buffer) => {
      this.fromServer(chunk);
      if (client.writableNeedDrain) server.pause();
    });
    client.on('drain', () => server.resume());
    server.on('drain', () => client.resume());
    this.wireClosing(client, server, this.toServer);
    this.wireClosing(server, client, this.toClient);
  }

  /** Replaces the faults; command and byte counts for them start again from zero. */
  applyFaults(faults: FaultOptions): void {
    this.faults = faults;
    this.commands = 0;
    this.sentToServer = 0;
    this.sentToClient = 0;
  }

  /** Destroys both sockets, with a FIN, or with an RST when `reset` is set. */
  destroy(reset = false): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.toServer.close();
    this.toClient.close();
    for (const socket of [this.client, this.server]) {
      if (socket.destroyed) continue;
      if (reset) socket.resetAndDestroy();
      else socket.destroy();
    }
  }

  private fromClient(chunk: Buffer): void {
    // Implicit TLS (IMAPS, POP3S): the client speaks first, with a handshake record.
    if (this.lastSpeaker === undefined && chunk[0] === TLS_HANDSHAKE_RECORD) this.opaque = true;
    if (this.lastSpeaker !== 'client') this.stats.flights += 1;
    this.lastSpeaker = 'client';
    if (this.state !== 'open') return;
    if (this.opaque) {
      this.forwardToServer(chunk);
      return;
    }
    let start = 0;
    for (const line of this.clientLines.push(chunk)) {
      this.onCommandLine(line.text, chunk.subarray(start, line.end));
      start = line.end;
      if (this.state !== 'open') return;
    }
    this.forwardToServer(chunk.subarray(start));
  }

  private onCommandLine(text: string, bytes: Buffer): void {
    this.hooks.command(text);
    const seq = this.tracker.command(text);
    this.commands += 1;
    const f = this.faults;
    if (matches(f.cutAfterResponseTo, text)) this.watched.set(seq, 'after');
    if (matches(f.cutBeforeResponseTo, text)) this.watched.set(seq, 'before');
    let action: CommandAction = f.onCommand?.(text, this.index) ?? 'forward';
    if (action === 'forward') {
      if (f.cutAfterCommands === this.commands) action = 'cut';
      else if (f.reset?.afterCommands === this.commands) action = 'reset';
      else if (f.stall?.afterCommands === this.commands) action = 'stall';
    }
    if (action === 'forward') {
      this.forwardToServer(bytes);
      if (this.watched.get(seq) === 'before') {
        this.toServer.afterFlush(() => {
          this.withholding = true;
        });
      }
      return;
    }
    if (action === 'stall') {
      this.forwardToServer(bytes);
      this.state = 'stalled';
      return;
    }
    if (!f.cutBeforeForwarding) this.forwardToServer(bytes);
    this.doom(this.toServer, action === 'reset');
  }

  private fromServer(chunk: Buffer): void {
    this.lastSpeaker = 'server';
    if (this.state !== 'open') return;
    if (this.opaque) {
      this.forwardToClient(chunk);
      return;
    }
    // Forward in as few writes as possible: split the chunk only where a fault fires,
    // so large responses cost the same syscalls as without the proxy.
    for (const line of this.serverLines.push(chunk)) {
      const outcome = this.tracker.serverLine(line.text);
      this.syncLiteralMode();
      const cut = outcome.completed.filter((seq) => this.watched.delete(seq)).length > 0;
      if (!cut && !outcome.tlsStarts) continue;
      if (!this.withholding) this.forwardToClient(chunk.subarray(0, line.end));
      if (cut) {
        if (this.state === 'open') this.doom(this.toClient, false);
        return;
      }
      this.opaque = true;
      this.forwardToClient(chunk.subarray(line.end));
      return;
    }
    if (!this.withholding) this.forwardToClient(chunk);
  }

  private forwardToServer(bytes: Buffer): void {
    if (this.state !== 'open') return;
    const data = this.faults.transformToServer?.(bytes, this.index) ?? bytes;
    const room = (this.faults.cutAfterBytes?.toServer ?? Number.POSITIVE_INFINITY) - this.sentToServer;
    this.sentToServer += Math.min(room, data.length);
    this.toServer.write(data.subarray(0, room));
    if (data.length >= room) this.doom(this.toServer, false);
  }

  private forwardToClient(bytes: Buffer): void {
    if (this.state !== 'open') return;
    const data = this.faults.transformToClient?.(bytes, this.index) ?? bytes;
    const cutRoom = (this.faults.cutAfterBytes?.toClient ?? Number.POSITIVE_INFINITY) - this.sentToClient;
    const stallRoom = (this.faults.stall?.afterBytesToClient ?? Number.POSITIVE_INFINITY) - this.sentToClient;
    const room = Math.min(cutRoom, stallRoom);
    this.sentToClient += Math.min(room, data.length);
    this.toClient.write(data.subarray(0, room));
    if (data.length < room) return;
    if (cutRoom <= stallRoom) this.doom(this.toClient, false);
    else this.state = 'stalled';
  }

  /** Stops taking input now and destroys both sides once `pipe` has flushed what it holds. */
  private doom(pipe: OutputPipe, reset: boolean): void {
    this.state = 'doomed';
    pipe.afterFlush(() => this.destroy(reset));
  }

  private syncLiteralMode(): void {
    const imap = this.tracker.protocol === 'imap';
    this.clientLines.literals = imap;
    this.serverLines.literals = imap;
  }

  private wireClosing(from: Socket, to: Socket, pipeToOther: OutputPipe): void {
    from.on('error', () => {});
    from.on('end', () => {
      if (this.state === 'stalled') this.destroy();
      else pipeToOther.afterFlush(() => to.end());
    });
    from.on('close', (hadError) => {
      if (hadError || this.state === 'stalled') this.destroy(hadError);
      else pipeToOther.afterFlush(() => this.destroy());
      this.openSockets -= 1;
      if (this.openSockets === 0) this.hooks.closed();
    });
  }
}
