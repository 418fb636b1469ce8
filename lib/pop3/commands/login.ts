import { createHash } from 'node:crypto';
import type { Pop3Connection } from '../connection.js';

/**
 * The login commands. Every request carries only the verb for error reports:
 * the lines themselves hold secrets and must never be logged.
 */

/** RFC 1939 §7 USER and PASS; pipelined in one write when the server allows it. */
export async function userPass(connection: Pop3Connection, user: string, password: string): Promise<void> {
  if (!connection.pipelining) {
    // Never send the password after the server refused the user name.
    await connection.send({ line: `USER ${user}`, verb: 'USER', phase: 'auth', multiline: false });
    await connection.send({ line: `PASS ${password}`, verb: 'PASS', phase: 'auth', multiline: false });
    return;
  }
  const [userReply, passReply] = connection.sendAll([
    { line: `USER ${user}`, verb: 'USER', phase: 'auth', multiline: false },
    { line: `PASS ${password}`, verb: 'PASS', phase: 'auth', multiline: false },
  ]);
  // Both settle (PASS after a refused USER is refused too); report the first failure.
  const results = await Promise.allSettled([userReply!, passReply!]);
  for (const result of results) if (result.status === 'rejected') throw result.reason;
}

/**
 * RFC 5034 AUTH with an initial response (§4); "*" cancels any unexpected
 * challenge so the server answers -ERR instead of waiting.
 */
export async function authenticate(
  connection: Pop3Connection,
  mechanism: 'PLAIN' | 'XOAUTH2',
  initialResponse: Buffer,
): Promise<void> {
  await connection.send({
    line: `AUTH ${mechanism} ${initialResponse.toString('base64')}`,
    verb: 'AUTH',
    phase: 'auth',
    multiline: false,
    // XOAUTH2 sends its error as a challenge and expects an empty reply.
    onContinue: () => (mechanism === 'XOAUTH2' ? '' : '*'),
  });
}

/** RFC 4616 PLAIN: authzid NUL authcid NUL password. */
export function plainResponse(user: string, password: string): Buffer {
  return Buffer.from(`\0${user}\0${password}`, 'utf8');
}

/** The XOAUTH2 initial client response (as Gmail and Outlook define it). */
export function xoauth2Response(user: string, accessToken: string): Buffer {
  return Buffer.from(`user=${user}\x01auth=Bearer ${accessToken}\x01\x01`, 'utf8');
}

/** RFC 1939 §7 APOP: MD5 of the greeting's timestamp followed by the shared secret. */
export async function apop(
  connection: Pop3Connection,
  user: string,
  password: string,
  timestamp: string,
): Promise<void> {
  const digest = createHash('md5')
    .update(timestamp + password, 'utf8')
    .digest('hex');
  await connection.send({ line: `APOP ${user} ${digest}`, verb: 'APOP', phase: 'auth', multiline: false });
}
