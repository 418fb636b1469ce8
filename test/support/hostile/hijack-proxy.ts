import { connect, type Socket } from 'node:net';
import { ResponseTracker } from '../fault-proxy/response-tracker.js';
import { type CountingServer, listenCounting } from './listener.js';

/** The command the proxy took over, and the client socket it now answers alone. */
export interface Hijacked {
  client: Socket;
  /** The IMAP tag of the command (`''` for POP3). */
  tag: string;
  /** The command's first line. */
  line: string;
  /** Registers what to answer to the client's later commands (LOGOUT after a refused LOGIN, QUIT). */
  onLine(handle: (line: string) => void): void;
  /** Registers a cleanup for when the client socket closes (timers of a trickle). */
  onClose(cleanup: () => void): void;
}

export interface HijackProxyOptions {
  upstream: { host: string; port: number };
  protocol: 'imap' | 'pop3';
  /**
   * The client command the proxy answers itself instead of the server: from
   * that command on, nothing more reaches the server. Commands before it are
   * forwarded and their answers delivered first. `null` relays bytes
   * untouched (TLS included) and never takes over.
   */
  trigger: ((commandLine: string) => boolean) | null;
  hijack?: (hijacked: Hijacked) => void;
}

export interface HijackProxy extends CountingServer {
  /** The first line of every client command seen (LOGIN lines included: only tests read them). */
  commands: string[];
  /** Connections taken over so far. */
  readonly hijacked: number;
}

const LITERAL_AT_END = /~?\{(\d+)\+?\}\r?\n$/;
/** How much of a physical line is kept to decide on; the rest is relayed or dropped unread. */
const MAX_KEPT = 4096;

/**
 * A man in the middle in front of a real mail server (Dovecot): it relays a
 * session until the client sends the command `trigger` picks, then takes the
 * session over and answers as `hijack` says (a flood, a cut, a trickle, a
 * refusal), so each endpoint can meet each fault at the command it hinges on
 * while every command before it is answered by a real server. Plain TCP on
 * 127.0.0.1; counts the client sockets left open like the other hostile servers.
 */
export async function startHijackProxy(options: HijackProxyOptions): Promise<HijackProxy> {
  const commands: string[] = [];
  let hijacked = 0;
  const server = await listenCounting((client) =>
    relay(client, options, commands, () => {
      hijacked += 1;
    }),
  );
  return Object.defineProperties(server as HijackProxy, {
    commands: { value: commands },
    hijacked: { get: () => hijacked },
  });
}

function relay(client: Socket, options: HijackProxyOptions, commands: string[], counted: () => void): void {
  const imap = options.protocol === 'imap';
  const cleanups: Array<() => void> = [];
  let taken = false;
  const upstream = connect({ ...options.upstream, noDelay: true });
  upstream.on('error', () => client.destroy());
  upstream.on('close', () => {
    if (!taken) client.destroy();
  });
  client.on('close', () => {
    upstream.destroy();
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  if (options.trigger === null) {
    client.pipe(upstream);
    upstream.pipe(client);
    return;
  }
  const trigger = options.trigger;

  const tracker = new ResponseTracker(options.protocol);
  const outstanding = new Set<number>();
  let pending: { tag: string; line: string } | null = null;
  let afterTakeover: ((line: string) => void) | null = null;

  const takeOver = () => {
    if (!pending || taken || outstanding.size > 0) return;
    taken = true;
    counted();
    upstream.destroy();
    options.hijack?.({
      client,
      ...pending,
      onLine(handle) {
        afterTakeover = handle;
      },
      onClose(cleanup) {
        if (client.destroyed) cleanup();
        else cleanups.push(cleanup);
      },
    });
  };

  // Server to client: relayed as is, scanned only to learn when the commands before the trigger are answered.
  const serverScan = new PhysicalLines(imap);
  upstream.on('data', (chunk: Buffer) => {
    if (taken) return;
    client.write(chunk);
    serverScan.push(chunk, (line) => {
      for (const seq of tracker.serverLine(line).completed) outstanding.delete(seq);
    });
    takeOver();
  });

  // Client to server: decided per command at its first physical line; the rest of it follows that decision.
  const clientScan = new PhysicalLines(imap);
  let forwarding = true;
  client.on('data', (chunk: Buffer) => {
    clientScan.push(
      chunk,
      (line, first) => {
        if (!first) return;
        commands.push(line);
        if (taken || pending) {
          forwarding = false;
          if (taken) afterTakeover?.(line);
          return;
        }
        if (trigger(line)) {
          forwarding = false;
          pending = { tag: imap ? (line.split(' ', 1)[0] ?? '') : '', line };
          return;
        }
        // IMAP continuation answers (IDLE's DONE) carry no tag and end no response.
        if (!imap || / /.test(line)) outstanding.add(tracker.command(line));
      },
      (bytes) => {
        if (forwarding && !taken && !pending) upstream.write(bytes);
      },
    );
    takeOver();
  });
}

/**
 * Splits a byte stream into physical CRLF lines, following IMAP literals
 * (`{n}`/`{n+}` at a line's end: n octets of data follow). `line(text, first)`
 * is called at each line's end (`first`: it begins a command or response);
 * `bytes` gets every byte, in order, just after the decision its line made.
 */
class PhysicalLines {
  private kept = '';
  private tail = '';
  private literalLeft = 0;
  private first = true;
  private held: Buffer[] = [];

  constructor(private readonly literals: boolean) {}

  push(chunk: Buffer, line: (text: string, first: boolean) => void, bytes?: (data: Buffer) => void): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.literalLeft > 0) {
        const take = Math.min(this.literalLeft, chunk.length - i);
        bytes?.(chunk.subarray(i, i + take));
        this.literalLeft -= take;
        i += take;
        continue;
      }
      const lf = chunk.indexOf(0x0a, i);
      const stop = lf === -1 ? chunk.length : lf + 1;
      const piece = chunk.subarray(i, stop);
      if (this.kept.length < MAX_KEPT) this.kept += piece.subarray(0, MAX_KEPT).toString('latin1');
      this.tail = (this.tail + piece.subarray(-40).toString('latin1')).slice(-40);
      i = stop;
      if (lf === -1) {
        // A line's start is held until its end decides where it goes.
        if (this.first) this.held.push(piece);
        else bytes?.(piece);
        break;
      }
      const text = this.kept.replace(/\r?\n$/, '');
      const literal = this.literals ? LITERAL_AT_END.exec(this.tail) : null;
      this.kept = '';
      this.tail = '';
      line(text, this.first);
      const held = this.held.splice(0);
      bytes?.(held.length > 0 ? Buffer.concat([...held, piece]) : piece);
      if (literal) {
        this.literalLeft = Number(literal[1]);
        this.first = false;
      } else {
        this.first = true;
      }
    }
  }
}
