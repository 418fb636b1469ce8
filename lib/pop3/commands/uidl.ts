import type { Pop3Connection } from '../connection.js';
import { parseListing } from '../parse-listing.js';
import { Pop3Error } from '../pop3-error.js';
import { messageNumber } from './message-number.js';

export interface MessageUid {
  number: number;
  /** RFC 1939 §7: 1–70 characters from 0x21 to 0x7E, stable across sessions. */
  uid: string;
}

/** UIDL of every message not marked deleted. @throws Pop3Error */
export async function uidlAll(connection: Pop3Connection): Promise<MessageUid[]> {
  const reply = await connection.send({ line: 'UIDL', verb: 'UIDL', phase: 'transaction', multiline: true });
  return parseListing(reply.body!).map(({ number, value }) => ({ number, uid: value }));
}

/** UIDL n. @throws Pop3Error (rejected when there is no such message) */
export async function uidlOne(connection: Pop3Connection, number: number): Promise<MessageUid> {
  const line = `UIDL ${messageNumber(number)}`;
  const reply = await connection.send({ line, verb: 'UIDL', phase: 'transaction', multiline: false });
  const [entry] = parseListing(reply.status.text.split(' ').slice(0, 2).join(' '));
  if (!entry || entry.number !== number) {
    throw new Pop3Error('protocol', 'UIDL answered for another message', {
      phase: 'transaction',
      command: 'UIDL',
    });
  }
  return { number, uid: entry.value };
}
