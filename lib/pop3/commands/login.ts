import { createHash } from 'node:crypto';
import { ConfigurationError } from '../../mail/errors.js';
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

export type SaslMechanism = 'PLAIN' | 'XOAUTH2' | 'OAUTHBEARER';

/**
 * The answer to a challenge after the initial response. The OAuth2
 * mechanisms send a refused token's error as a challenge: XOAUTH2 expects
 * an empty reply, OAUTHBEARER a single %x01 (RFC 7628 §3.2.3), and the
 * server then answers -ERR. Anything else is cancelled with "*" (RFC 5034
 * §4) so the server answers -ERR instead of waiting.
 */
const CHALLENGE_REPLY: Record<SaslMechanism, string> = {
  PLAIN: '*',
  XOAUTH2: '',
  OAUTHBEARER: Buffer.from([0x01]).toString('base64'),
};

/** RFC 5034 AUTH with an initial response (§4). */
export async function authenticate(
  connection: Pop3Connection,
  mechanism: SaslMechanism,
  initialResponse: Buffer,
): Promise<void> {
  await connection.send({
    line: `AUTH ${mechanism} ${initialResponse.toString('base64')}`,
    verb: 'AUTH',
    phase: 'auth',
    multiline: false,
    onContinue: () => CHALLENGE_REPLY[mechanism],
  });
}

/**
 * The OAuth2 payloads are fields framed by %x01 (RFC 7628 §3.1; XOAUTH2
 * copies it): a control character in a value would end its field early and
 * make the rest fields of their own (`auth=` included). RFC 7628 allows
 * none in a value, so such a user name or token is never sent.
 * @throws ConfigurationError
 */
function assertSaslValue(value: string, what: string): void {
  if (/[\x00-\x1f\x7f]/.test(value)) {
    throw new ConfigurationError(`The POP3 account's ${what} contains control characters; it was not sent.`);
  }
}

/** RFC 4616 PLAIN: authzid NUL authcid NUL password. */
export function plainResponse(user: string, password: string): Buffer {
  return Buffer.from(`\0${user}\0${password}`, 'utf8');
}

/**
 * The XOAUTH2 initial client response (as Gmail and Outlook define it).
 * @throws ConfigurationError for a user name or token with control characters.
 */
export function xoauth2Response(user: string, accessToken: string): Buffer {
  assertSaslValue(user, 'user name');
  assertSaslValue(accessToken, 'access token');
  return Buffer.from(`user=${user}\x01auth=Bearer ${accessToken}\x01\x01`, 'utf8');
}

/**
 * The OAUTHBEARER initial client response (RFC 7628 §3.1): a GS2 header
 * naming the user as authzid (`,` and `=` escaped, RFC 5801 §4), the host
 * and port the client connected to, and the bearer token.
 * @throws ConfigurationError for a user name or token with control characters.
 */
export function oauthBearerResponse(
  user: string,
  accessToken: string,
  server: { host: string; port: number },
): Buffer {
  assertSaslValue(user, 'user name');
  assertSaslValue(accessToken, 'access token');
  const authzid = user.replaceAll('=', '=3D').replaceAll(',', '=2C');
  const fields = [
    `n,a=${authzid},`,
    `host=${server.host}`,
    `port=${server.port}`,
    `auth=Bearer ${accessToken}`,
  ];
  return Buffer.from(`${fields.join('\x01')}\x01\x01`, 'utf8');
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
