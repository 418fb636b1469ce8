import { connect, createServer, type Server } from 'node:net';
import { type ConnectionStats, ProxyConnection } from './fault-proxy/proxy-connection.js';
import type { ByteCounts, FaultOptions, FaultProxyOptions, RecordedCommand } from './fault-proxy/types.js';

export { transformLines, withoutCapability } from './fault-proxy/line-transform.js';
export type * from './fault-proxy/types.js';

/**
 * A TCP proxy on 127.0.0.1 that sits between a client and a mail server, records
 * what passes and misbehaves on demand: cuts, resets, stalls, trickles, delays and
 * rewrites.
 *
 * ```ts
 * const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port }, cutBeforeResponseTo: / UID MOVE /i });
 * // point the client at proxy.port; afterwards: proxy.commands, proxy.flights, await proxy.close()
 * ```
 *
 * Limits, on purpose:
 * - It forwards bytes, so TLS passes through untouched, and command recording and every
 *   command- or response-based fault see plaintext only: plain ports, and STARTTLS/STLS
 *   sessions up to the server's OK, after which the connection is opaque. A connection
 *   whose first client bytes are a TLS handshake (implicit TLS) is opaque from the start.
 *   Byte faults, stall-after-bytes, trickle and delay work on any connection.
 * - A "command" is every client line outside IMAP literals, so IDLE's DONE and SASL
 *   continuation lines count as commands too.
 * - Response ends are found by IMAP tag or by POP3 order (see ResponseTracker). After a
 *   command matched by `cutBeforeResponseTo` is forwarded, everything the server sends
 *   is withheld, including late answers to earlier pipelined commands.
 * - No backpressure: a slow (trickled, delayed or stalled) path buffers in memory.
 */
export class FaultProxy {
  private readonly live = new Map<number, ProxyConnection>();
  private boundPort = 0;
  private stats = new Map<number, ConnectionStats>();
  private recorded: RecordedCommand[] = [];
  private nextIndex = 0;
  private total = 0;
  private peak = 0;
  private idle: Array<() => void> = [];

  constructor(
    private readonly listener: Server,
    private readonly options: FaultProxyOptions,
    private faults: FaultOptions,
  ) {
    listener.on('listening', () => {
      const address = listener.address();
      if (address !== null && typeof address !== 'string') this.boundPort = address.port;
    });
    listener.on('connection', (client) => this.accept(client));
  }

  /** The listening port; still readable after `close()`. */
  get port(): number {
    if (this.boundPort === 0) throw new Error('fault proxy is not listening');
    return this.boundPort;
  }

  /** Connections open right now (until both of their sockets have closed). */
  get connections(): number {
    return this.live.size;
  }

  get totalConnections(): number {
    return this.total;
  }

  get peakConnections(): number {
    return this.peak;
  }

  /** Client command lines in arrival order, each tagged with its connection index (from 0). */
  get commands(): readonly RecordedCommand[] {
    return this.recorded;
  }

  /** Bytes written to each side, after transforms, in total and per connection index. */
  get bytes(): ByteCounts & { perConnection: ReadonlyMap<number, ByteCounts> } {
    const perConnection = new Map<number, ByteCounts>();
    for (const [index, s] of this.stats)
      perConnection.set(index, { toServer: s.toServer, toClient: s.toClient });
    return { ...this.sum((s) => ({ toServer: s.toServer, toClient: s.toClient })), perConnection };
  }

  /**
   * Request flights: on each connection, a flight is a run of client bytes that
   * begins the connection or follows bytes from the server. For a client that waits
   * for each answer this counts round trips, independent of timing or TCP chunking.
   */
  get flights(): { total: number; perConnection: ReadonlyMap<number, number> } {
    const perConnection = new Map<number, number>();
    for (const [index, s] of this.stats) perConnection.set(index, s.flights);
    return { total: [...perConnection.values()].reduce((a, b) => a + b, 0), perConnection };
  }

  /** The command lines of one connection, as strings. */
  commandsOf(connection: number): string[] {
    return this.recorded.filter((c) => c.connection === connection).map((c) => c.line);
  }

  /**
   * Replaces the faults (the target and protocol stay). With scope 'all' the open
   * connections take them too, their command and byte counts starting again from zero.
   */
  setFaults(faults: FaultOptions, scope: 'all' | 'new' = 'all'): void {
    this.faults = faults;
    if (scope === 'all') for (const connection of this.live.values()) connection.applyFaults(faults);
  }

  /** Clears records and counters; connection indexes keep growing so they stay unique. */
  reset(): void {
    this.recorded = [];
    this.total = 0;
    this.peak = this.live.size;
    this.stats = new Map();
    for (const connection of this.live.values()) {
      Object.assign(connection.stats, { toServer: 0, toClient: 0, flights: 0 });
      this.stats.set(connection.index, connection.stats);
    }
  }

  /** Resolves once no connection is open. */
  whenIdle(): Promise<void> {
    if (this.live.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Stops listening and destroys every socket the proxy holds. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    for (const connection of this.live.values()) connection.destroy();
    await Promise.all([closed, this.whenIdle()]);
  }

  private accept(client: import('node:net').Socket): void {
    const index = this.nextIndex++;
    const { host, port } = this.options.target;
    const server = connect({ host, port, allowHalfOpen: true, noDelay: true });
    client.setNoDelay(true);
    const connection = new ProxyConnection(index, client, server, this.faults, this.options.protocol, {
      command: (line) => this.recorded.push({ connection: index, line }),
      closed: () => this.forget(index),
    });
    this.live.set(index, connection);
    this.stats.set(index, connection.stats);
    this.total += 1;
    this.peak = Math.max(this.peak, this.live.size);
  }

  private forget(index: number): void {
    this.live.delete(index);
    if (this.live.size > 0) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  private sum(pick: (s: ConnectionStats) => ByteCounts): ByteCounts {
    const total = { toServer: 0, toClient: 0 };
    for (const s of this.stats.values()) {
      const b = pick(s);
      total.toServer += b.toServer;
      total.toClient += b.toClient;
    }
    return total;
  }
}

/** Starts a fault proxy on 127.0.0.1 at a free port, in front of `options.target`. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const { target: _target, protocol: _protocol, ...faults } = options;
  const listener = createServer({ allowHalfOpen: true });
  const proxy = new FaultProxy(listener, options, faults);
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, '127.0.0.1', () => {
      listener.off('error', reject);
      resolve();
    });
  });
  return proxy;
}
