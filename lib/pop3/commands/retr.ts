import type { Readable } from 'node:stream';
import type { Pop3Connection } from '../connection.js';
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
