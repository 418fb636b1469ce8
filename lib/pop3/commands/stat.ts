import type { Pop3Connection } from '../connection.js';
import { Pop3Error } from '../pop3-error.js';

export interface MaildropStat {
  count: number;
  /** Size of the maildrop in octets (RFC 1939 §5; as the server counts them, CRLF line ends). */
  size: number;
}

/** STAT (RFC 1939 §5): "+OK nn mm". @throws Pop3Error */
export async function stat(connection: Pop3Connection): Promise<MaildropStat> {
  const reply = await connection.send({ line: 'STAT', verb: 'STAT', phase: 'transaction', multiline: false });
  const match = /^([0-9]+) ([0-9]+)/.exec(reply.status.text);
  if (!match)
    throw new Pop3Error('protocol', 'malformed STAT answer', { phase: 'transaction', command: 'STAT' });
  return { count: Number(match[1]), size: Number(match[2]) };
}
