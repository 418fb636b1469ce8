import { ConfigurationError } from '../../mail/errors.js';
import type { ConnectionPoolOptions } from './connection-pool.js';

/**
 * Defaults: a few seconds of reuse, well under providers' per-user session
 * caps (Gmail allows ~15: 8 here, plus the webhook watcher's own, plus the
 * user's mail apps). Every connection within the cap may be kept idle: a
 * lower idle limit closed the surplus of each burst at once and logged in
 * again on the next (0.13 logins per request at 10 concurrent clients);
 * kept ones still close after `idleMs` unused (DECISIONS D14).
 */
const DEFAULTS: Required<Omit<ConnectionPoolOptions, 'closeGraceMs' | 'maxIdlePerAccount'>> = {
  idleMs: 5_000,
  maxPerAccount: 8,
  reservedPerAccount: 2,
  maxWaitingPerAccount: 64,
  firstReplyMs: 3_000,
};

/**
 * Connection reuse settings from the environment, or null when reuse is off.
 *
 * - `MAILGATE_IMAP_REUSE`: `on` or `off`; `fallback` when unset (on for the
 *   local server, off on Lambda, where a frozen sandbox would leave kept
 *   connections half-open on the server).
 * - `MAILGATE_IMAP_IDLE_MS` (5000), `MAILGATE_IMAP_MAX_PER_ACCOUNT` (8),
 *   `MAILGATE_IMAP_MAX_IDLE_PER_ACCOUNT` (the max per account: every
 *   connection may be kept; a larger value is the cap anyway).
 * - `MAILGATE_IMAP_RESERVED_PER_ACCOUNT` (2): connections downloads and
 *   change waits never take; `MAILGATE_IMAP_MAX_WAITING_PER_ACCOUNT` (64):
 *   requests that may wait for a connection, beyond that 503;
 *   `MAILGATE_IMAP_FIRST_REPLY_MS` (3000): silence allowed on a kept
 *   connection's first command before it counts as dead (0: none).
 * @throws ConfigurationError for a value that is not a non-negative integer or on/off.
 */
export function poolOptionsFromEnv(
  env: Record<string, string | undefined>,
  fallback: 'on' | 'off',
): ConnectionPoolOptions | null {
  const reuse = (env.MAILGATE_IMAP_REUSE ?? fallback).toLowerCase();
  if (reuse !== 'on' && reuse !== 'off')
    throw new ConfigurationError('MAILGATE_IMAP_REUSE must be on or off.');
  if (reuse === 'off') return null;
  const maxPerAccount = Math.max(1, integer(env, 'MAILGATE_IMAP_MAX_PER_ACCOUNT', DEFAULTS.maxPerAccount));
  return {
    idleMs: integer(env, 'MAILGATE_IMAP_IDLE_MS', DEFAULTS.idleMs),
    maxIdlePerAccount: Math.min(
      maxPerAccount,
      integer(env, 'MAILGATE_IMAP_MAX_IDLE_PER_ACCOUNT', maxPerAccount),
    ),
    maxPerAccount,
    reservedPerAccount: integer(env, 'MAILGATE_IMAP_RESERVED_PER_ACCOUNT', DEFAULTS.reservedPerAccount),
    maxWaitingPerAccount: integer(
      env,
      'MAILGATE_IMAP_MAX_WAITING_PER_ACCOUNT',
      DEFAULTS.maxWaitingPerAccount,
    ),
    firstReplyMs: integer(env, 'MAILGATE_IMAP_FIRST_REPLY_MS', DEFAULTS.firstReplyMs),
  };
}

function integer(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw)) throw new ConfigurationError(`${name} must be a non-negative integer.`);
  return Number(raw);
}
