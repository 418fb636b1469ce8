import type { Pop3Connection, Pop3Reply, Pop3Request } from '../connection.js';
import { parseSizes } from '../parse-listing.js';
import { Pop3Error } from '../pop3-error.js';
import { messageNumber } from './message-number.js';

export interface MessageSize {
  number: number;
  size: number;
}

/** LIST (RFC 1939 §5) of every message not marked deleted. @throws Pop3Error */
export async function listAll(connection: Pop3Connection): Promise<MessageSize[]> {
  const reply = await connection.send({ line: 'LIST', verb: 'LIST', phase: 'transaction', multiline: true });
  return parseSizes(reply.body!);
}

/** The `LIST n` command (RFC 1939 §5), to send alone or in a pipelined batch. */
export function listOneRequest(number: number): Pop3Request {
  return { line: `LIST ${messageNumber(number)}`, verb: 'LIST', phase: 'transaction', multiline: false };
}

/** LIST n: one message's size. @throws Pop3Error (rejected when there is no such message) */
export async function listOne(connection: Pop3Connection, number: number): Promise<MessageSize> {
  return sizeFromReply(await connection.send(listOneRequest(number)), number);
}

/** The size in the answer to `LIST n`. @throws Pop3Error (protocol) when it is not about message n */
export function sizeFromReply(reply: Pop3Reply, number: number): MessageSize {
  const [entry] = parseSizes(reply.status.text.split(' ').slice(0, 2).join(' '));
  if (!entry || entry.number !== number) {
    throw new Pop3Error('protocol', 'LIST answered for another message', {
      phase: 'transaction',
      command: 'LIST',
    });
  }
  return entry;
}
