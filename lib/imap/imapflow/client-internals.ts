import type { ImapFlow } from 'imapflow';

/**
 * The untyped parts of an ImapFlow instance this folder reads or wraps,
 * checked against imapflow 2.10.2 (pinned in package.json) by
 * test/unit/imap/imapflow-internals-shape.test.ts. Every field is optional
 * and every caller checks before use, so an imapflow that changed one costs
 * a round trip or a reuse, never a wrong result.
 */

/** One node of imapflow's parsed response (atoms, strings, lists, `[…]` sections). */
export interface ResponseNode {
  type?: string;
  value?: unknown;
  section?: ResponseNode[];
}

/** A node or a parenthesised list of them. */
export type ResponseItem = ResponseNode | ResponseItem[];

/** A parsed response line: `* 3 FETCH (…)`, `* OK [COPYUID …] …` or the tagged completion. */
export interface ParsedResponse {
  tag?: string;
  command?: string;
  attributes?: ResponseItem[];
}

/** What imapflow hands a handler of one untagged response of a command it runs. */
export type UntaggedHandler = (untagged: ParsedResponse) => unknown;

export interface ExecOptions {
  untagged?: Record<string, UntaggedHandler>;
}

/** imapflow's `exec`: queues one command (attributes in its compiler's form) and settles on the tagged answer. */
export type ExecFunction = (
  command: string,
  attributes?: unknown,
  options?: ExecOptions,
) => Promise<{ response: ParsedResponse; next: () => void }>;

/** imapflow's `run`: one of its command modules (`LIST`, `CLOSE`, `ENABLE`, `ID`, …) with that module's arguments. */
export type RunFunction = (command: string, ...args: unknown[]) => Promise<unknown>;

export interface ClientInternals {
  /** The folder cache SELECT/EXAMINE consults before sending `LIST "" <path>`: a Map by normalised path. */
  folders?: unknown;
  run?: RunFunction;
  exec?: ExecFunction;
  /** Set: LIST skips its LSUB follow-up. */
  skipLsub?: boolean;
  /** Sent with ID. */
  clientInfo?: unknown;
  requestQueue?: unknown;
  currentRequest?: unknown;
  _openDownloads?: unknown;
  /** The connection's socket (what the transport's `connect()` returned). */
  socket?: unknown;
  currentLock?: unknown;
  _closePending?: unknown;
  // Typed in imapflow's declarations, read defensively here all the same.
  usable?: unknown;
  idling?: unknown;
  isClosed?: unknown;
  state?: unknown;
  states?: { LOGOUT?: unknown };
}

/**
 * The one view of an ImapFlow as its instance state: the object itself, so
 * an assignment (a wrapped `exec`) lands on the client.
 */
export function internalsOf(client: ImapFlow): ClientInternals {
  return client as unknown as ClientInternals;
}

/**
 * The socket imapflow reads and writes (`transport.connect()`'s answer when a
 * transport is given); unknown, for the caller to check what it is.
 */
export function transportSocketOf(client: ImapFlow): unknown {
  return internalsOf(client).socket;
}
