import type { Pop3Connection } from '../connection.js';
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

/** LIST n: one message's size. @throws Pop3Error (rejected when there is no such message) */
export async function listOne(connection: Pop3Connection, number: number): Promise<MessageSize> {
  const line = `LIST ${messageNumber(number)}`;
  const reply = await connection.send({ line, verb: 'LIST', phase: 'transaction', multiline: false });
  const [entry] = parseSizes(reply.status.text.split(' ').slice(0, 2).join(' '));
  if (!entry || entry.number !== number) {
    throw new Pop3Error('protocol', 'LIST answered for another message', {
      phase: 'transaction',
      command: 'LIST',
    });
  }
  return entry;
}
