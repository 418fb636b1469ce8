import type { Readable } from 'node:stream';
import type { Pop3Phase } from './pop3-error.js';
import type { Pop3Status } from './status-line.js';

/** What a command asks of the connection, and what it gets back. */

export interface Pop3Request {
  /** The command line without CRLF; null to wait for the greeting. */
  line: string | null;
  /** The verb for error reports (arguments may be secret). */
  verb: string;
  phase: Pop3Phase;
  /** True when +OK is followed by a multi-line body. */
  multiline: boolean;
  /** Deliver the body as a back-pressured stream instead of one Buffer. */
  stream?: boolean;
  /** Answers a SASL "+" continuation; without it a continuation is a protocol error. */
  onContinue?: (challenge: string) => string;
  /** Overrides the connection's command deadline. */
  timeoutMs?: number;
  /** Largest body of this buffered response; the connection's `maxResponseBytes` when absent. */
  maxBytes?: number;
  /** Shared with other buffered responses (a pipelined batch): the bytes they keep together stay within it. */
  budget?: ByteBudget;
  /**
   * The body is a message (TOP n k): `maxBytes` caps its header block (up to
   * and with the blank line after it), and of what follows at most this many
   * bytes are kept. The rest is read to the terminating line and dropped, so a
   * body line of any length costs no memory and does not end the session.
   */
  keepBodyBytes?: number;
}

/** Bytes several buffered responses may still take together. */
export interface ByteBudget {
  remaining: number;
}

export interface Pop3Reply {
  status: Pop3Status;
  /** The unstuffed body of a buffered multi-line response. */
  body: Buffer | null;
  /** The unstuffed body of a streamed multi-line response. */
  stream: Readable | null;
}

export interface ConnectionOptions {
  /** Deadline for each response, from the moment it is the one awaited. For streams, the longest silence. */
  commandTimeoutMs: number;
  /** Largest buffered (non-streamed) body. */
  maxResponseBytes: number;
  signal?: AbortSignal;
  /** Turns the failure a body stream is destroyed with into what its consumer should see. */
  mapStreamError?: (error: Error) => Error;
}

/** A request in the connection's queue and the state of its response. */
export interface Entry {
  request: Pop3Request;
  written: boolean;
  resolve(reply: Pop3Reply): void;
  reject(error: Error): void;
  status: Pop3Status | null;
  chunks: Buffer[];
  size: number;
  /** With `keepBodyBytes`: where the header scan is, and the body bytes kept so far. */
  message: { scan: HeaderScan; bodyKept: number };
  stream: Readable | null;
}

/** Finding a message's header end, the first empty line: the state between chunks. */
export enum HeaderScan {
  LineStart,
  LineStartCr,
  Middle,
  Body,
}

export function createEntry(
  request: Pop3Request,
  resolve: (reply: Pop3Reply) => void,
  reject: (error: Error) => void,
): Entry {
  return {
    request,
    written: false,
    resolve,
    reject,
    status: null,
    chunks: [],
    size: 0,
    message: { scan: HeaderScan.LineStart, bodyKept: 0 },
    stream: null,
  };
}
