import type { Pop3Connection } from '../connection.js';
import { messageNumber } from './message-number.js';

/**
 * DELE n (RFC 1939 §5) only marks the message: nothing is removed until QUIT
 * is answered +OK in the UPDATE state (§6). A session lost before that keeps
 * every message.
 * @throws Pop3Error (rejected when there is no such message or it is already marked)
 */
export async function dele(connection: Pop3Connection, number: number): Promise<void> {
  const line = `DELE ${messageNumber(number)}`;
  await connection.send({ line, verb: 'DELE', phase: 'transaction', multiline: false });
}

/** RSET: unmarks every message marked by DELE in this session. @throws Pop3Error */
export async function rset(connection: Pop3Connection): Promise<void> {
  await connection.send({ line: 'RSET', verb: 'RSET', phase: 'transaction', multiline: false });
}

/** NOOP: keeps the session alive and proves the server still answers. @throws Pop3Error */
export async function noop(connection: Pop3Connection): Promise<void> {
  await connection.send({ line: 'NOOP', verb: 'NOOP', phase: 'transaction', multiline: false });
}

/**
 * QUIT. In the TRANSACTION state its +OK is the commit point of every DELE
 * (RFC 1939 §6); -ERR there means some deletions were not made.
 * @throws Pop3Error when the server refuses or the connection fails first
 */
export async function quit(connection: Pop3Connection): Promise<void> {
  await connection.send({ line: 'QUIT', verb: 'QUIT', phase: 'transaction', multiline: false });
  connection.destroy();
}
