import type { Pop3Connection, Pop3Request } from '../connection.js';
import { messageNumber } from './message-number.js';

/** Commands per socket write: keeps a huge batch from sitting in one buffer. */
const BATCH = 100;

function topRequest(number: number, lines: number): Pop3Request {
  if (!Number.isSafeInteger(lines) || lines < 0)
    throw new RangeError('TOP line count must be an integer ≥ 0');
  return {
    line: `TOP ${messageNumber(number)} ${lines}`,
    verb: 'TOP',
    phase: 'transaction',
    multiline: true,
  };
}

/** TOP n lines (RFC 1939 §7): the header, a blank line and the first `lines` body lines. @throws Pop3Error */
export async function top(connection: Pop3Connection, number: number, lines: number): Promise<Buffer> {
  const reply = await connection.send(topRequest(number, lines));
  return reply.body!;
}

/**
 * TOP for many messages. With PIPELINING (RFC 2449 §6.6) the commands are
 * written in batches without waiting, so 50 headers cost about one round
 * trip; without it they go strictly one at a time.
 * @throws Pop3Error of the first command that failed
 */
export async function topMany(
  connection: Pop3Connection,
  numbers: number[],
  lines: number,
): Promise<Buffer[]> {
  const requests = numbers.map((number) => topRequest(number, lines));
  if (!connection.pipelining) {
    const bodies: Buffer[] = [];
    for (const request of requests) bodies.push((await connection.send(request)).body!);
    return bodies;
  }
  const pending: Promise<Buffer>[] = [];
  for (let start = 0; start < requests.length; start += BATCH) {
    for (const promise of connection.sendAll(requests.slice(start, start + BATCH))) {
      pending.push(promise.then((reply) => reply.body!));
    }
  }
  return Promise.all(pending);
}
