import { createHash } from 'node:crypto';
import type { WebhookStatusFields } from '../delivery-transitions.js';
import type { QueuedEvent, WebhookRecord } from '../repository.js';

/**
 * What the log and the snapshot hold: one entry per line, each the whole of
 * one change (a commit's cursor and events are one line), so a line is
 * applied entirely or not at all.
 *
 * A line is `<16 hex digits> <JSON>\n`: the digits are the first 64 bits of
 * the SHA-256 of the JSON text. JSON.stringify never writes a raw newline,
 * so a line ends at the first one; a line cut short, or one whose digits do
 * not match, is one whose write did not finish.
 */

export type Entry =
  /**
   * A webhook created or changed, whole. `restart` re-enables: its queued events start afresh.
   * `dropCursors`: mailbox paths whose cursors are removed with the change.
   */
  | { op: 'put'; webhook: WebhookRecord; restart?: true; dropCursors?: string[] }
  | { op: 'delete'; id: string }
  /** Events appended, and the mailbox's cursor set when `mailbox` is given. */
  | { op: 'commit'; id: string; mailbox?: string; state?: string; events: QueuedEvent[] }
  | { op: 'delivered'; id: string; eventId: string; webhook?: WebhookStatusFields }
  | {
      op: 'failed';
      id: string;
      eventId: string;
      attempts: number;
      firstFailureAt: string | null;
      nextAttemptAt: string | null;
      webhook: WebhookStatusFields;
    }
  /** First line of a snapshot: the log of this generation continues it. */
  | { op: 'snapshot'; version: 1; generation: number }
  /** Last line of a snapshot: how many lines came before it. */
  | { op: 'end'; lines: number };

const OPS = new Set(['put', 'delete', 'commit', 'delivered', 'failed', 'snapshot', 'end']);
const CHECKSUM_CHARS = 16;
const NEWLINE = 0x0a;

function checksum(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, CHECKSUM_CHARS);
}

export function encodeEntry(entry: Entry): string {
  const json = JSON.stringify(entry);
  return `${checksum(json)} ${json}\n`;
}

/** The entry on one line (without its newline), or undefined when the line is not one this module wrote whole. */
export function decodeEntry(line: Buffer): Entry | undefined {
  if (line.length < CHECKSUM_CHARS + 3 || line[CHECKSUM_CHARS] !== 0x20) return undefined;
  const json = line.subarray(CHECKSUM_CHARS + 1).toString('utf8');
  if (line.subarray(0, CHECKSUM_CHARS).toString('latin1') !== checksum(json)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  const op = (value as { op?: unknown } | null)?.op;
  return typeof op === 'string' && OPS.has(op) ? (value as Entry) : undefined;
}

/** Where reading a file stopped: `validBytes` is the length of its whole, valid lines. */
export interface ScanResult {
  validBytes: number;
  totalBytes: number;
}

const CHUNK_BYTES = 1 << 20;

/**
 * Reads `read`'s bytes line by line, handing each valid entry to `onEntry`,
 * and stops at the first line that is cut short or does not check out.
 * Memory is one chunk and the longest line.
 */
export async function scanEntries(
  read: (buffer: Buffer, position: number) => Promise<number>,
  onEntry: (entry: Entry) => void,
): Promise<ScanResult> {
  let position = 0;
  let validBytes = 0;
  let carry: Buffer = Buffer.alloc(0);
  for (;;) {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    const bytes = await read(chunk, position);
    if (bytes === 0) break;
    position += bytes;
    let data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytes)]) : chunk.subarray(0, bytes);
    let start = 0;
    for (let end = data.indexOf(NEWLINE, start); end !== -1; end = data.indexOf(NEWLINE, start)) {
      const entry = decodeEntry(data.subarray(start, end));
      if (entry === undefined) return { validBytes, totalBytes: await totalOf(read, position) };
      onEntry(entry);
      validBytes += end + 1 - start;
      start = end + 1;
    }
    data = data.subarray(start);
    carry = Buffer.from(data);
  }
  return { validBytes, totalBytes: position };
}

/** The file's length, read on from `position` without keeping what is read. */
async function totalOf(read: (buffer: Buffer, position: number) => Promise<number>, position: number) {
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let total = position;
  for (let bytes = await read(chunk, total); bytes > 0; bytes = await read(chunk, total)) total += bytes;
  return total;
}
