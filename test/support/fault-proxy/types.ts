/** What the proxy does with one complete client command line. */
export type CommandAction = 'forward' | 'cut' | 'reset' | 'stall';

/** Picks command lines, e.g. `/ UID MOVE /i` or `(line) => line.startsWith('RETR')`. */
export type CommandMatcher = RegExp | ((commandLine: string) => boolean);

/** Rewrites bytes on their way through; the return value is forwarded instead. */
export type ChunkTransform = (chunk: Buffer, connIndex: number) => Buffer;

/** Wire protocol spoken through the proxy; only used to find where a response ends. */
export type ProxyProtocol = 'imap' | 'pop3';

/**
 * Faults applied per connection. Counts ("after N commands", "after N bytes") start
 * from 1 at the moment the faults reach the connection: at accept for new
 * connections, at `setFaults()` for existing ones.
 */
export interface FaultOptions {
  /** Destroy both sides once the client's Nth command line has been forwarded. */
  cutAfterCommands?: number;
  /** With `cutAfterCommands` or an `onCommand` 'cut': drop the triggering line instead of forwarding it. */
  cutBeforeForwarding?: boolean;
  /** Destroy both sides once exactly this many bytes went that way (counted after transforms). */
  cutAfterBytes?: { toClient?: number; toServer?: number };
  /** Go silent in both directions (sockets stay open) after the Nth command or Nth byte to the client. */
  stall?: { afterCommands?: number; afterBytesToClient?: number };
  /** Deliver server data to the client in small pieces. */
  trickle?: { bytesPerTick: number; intervalMs: number };
  /** Like `cutAfterCommands`, but both sockets are destroyed with a TCP RST instead of a FIN. */
  reset?: { afterCommands?: number };
  /** One-way delay added to each direction (a round trip grows by twice this), order preserved. */
  delayMs?: number;
  transformToClient?: ChunkTransform;
  transformToServer?: ChunkTransform;
  /** Decides per command line; wins over the count-based command faults when it returns anything but 'forward'. */
  onCommand?: (commandLine: string, connIndex: number) => CommandAction;
  /** Forward a matching command and its complete response, then cut. */
  cutAfterResponseTo?: CommandMatcher;
  /** Forward a matching command, let the server finish its response, deliver none of it, then cut. */
  cutBeforeResponseTo?: CommandMatcher;
}

export interface FaultProxyOptions extends FaultOptions {
  target: { host: string; port: number };
  /** Needed only for the response-aware faults; detected from the greeting when omitted. */
  protocol?: ProxyProtocol;
}

/** One client command line as the proxy saw it, before any transform. */
export interface RecordedCommand {
  connection: number;
  line: string;
}

export interface ByteCounts {
  toServer: number;
  toClient: number;
}
