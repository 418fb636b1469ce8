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
  /** Shared with other buffered responses (a pipelined batch): their bodies together stay within it. */
  budget?: ByteBudget;
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
  stream: Readable | null;
}

export function createEntry(
  request: Pop3Request,
  resolve: (reply: Pop3Reply) => void,
  reject: (error: Error) => void,
): Entry {
  return { request, written: false, resolve, reject, status: null, chunks: [], size: 0, stream: null };
}
