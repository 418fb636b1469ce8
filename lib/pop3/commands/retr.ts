import type { Readable } from 'node:stream';
import type { Pop3Connection, Pop3Request } from '../connection.js';
import { listOneRequest, sizeFromReply } from './list.js';
import { messageNumber } from './message-number.js';

/**
 * RETR n (RFC 1939 §5), streamed: resolves when the server accepted the
 * command, with the unstuffed message bytes as a Readable that pauses the
 * socket while its consumer is slow. The next command's answer is read only
 * after the stream has been read to its end (or destroyed, which drains it).
 * @throws Pop3Error (rejected when there is no such message)
 */
export async function retr(connection: Pop3Connection, number: number): Promise<Readable> {
  const reply = await connection.send({
    line: `RETR ${messageNumber(number)}`,
    verb: 'RETR',
    phase: 'transaction',
    multiline: true,
    stream: true,
  });
  return reply.stream!;
}

/** A message read whole, or the size that kept it from being read. */
export type WholeMessage = { kind: 'message'; bytes: Buffer } | { kind: 'too_large'; size: number };

/**
 * LIST n then RETR n, in one flight where the server pipelines: the message
 * whole when the server states at most `maxBytes`. A larger one is not read
 * (with pipelining its RETR was already sent, so the session is ended); a
 * server that sends more than `maxBytes` anyway ends the session with a
 * `too_large` failure at that byte.
 * @throws Pop3Error (rejected when there is no such message; too_large)
 */
export async function retrWhole(
  connection: Pop3Connection,
  number: number,
  maxBytes: number,
): Promise<WholeMessage> {
  const list = listOneRequest(number);
  const retrieve: Pop3Request = {
    line: `RETR ${messageNumber(number)}`,
    verb: 'RETR',
    phase: 'transaction',
    multiline: true,
    maxBytes,
  };
  if (!connection.pipelining) {
    const { size } = sizeFromReply(await connection.send(list), number);
    if (size > maxBytes) return { kind: 'too_large', size };
    return { kind: 'message', bytes: (await connection.send(retrieve)).body! };
  }
  const [listed, retrieved] = connection.sendAll([list, retrieve]);
  // Awaited below, or abandoned with the session: its failure must not go unhandled.
  retrieved!.catch(() => {});
  const { size } = sizeFromReply(await listed!, number);
  if (size > maxBytes) {
    connection.destroy();
    return { kind: 'too_large', size };
  }
  return { kind: 'message', bytes: (await retrieved!).body! };
}
