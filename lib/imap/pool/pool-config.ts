import { ConfigurationError } from '../../mail/errors.js';
import type { ConnectionPoolOptions } from './connection-pool.js';

/** Defaults: a few seconds of reuse, well under providers' per-user session caps (Gmail allows ~15). */
const DEFAULTS: Required<Omit<ConnectionPoolOptions, 'closeGraceMs'>> = {
  idleMs: 5_000,
  maxIdlePerAccount: 4,
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
 * - `MAILGATE_IMAP_IDLE_MS` (5000), `MAILGATE_IMAP_MAX_IDLE_PER_ACCOUNT` (4),
 *   `MAILGATE_IMAP_MAX_PER_ACCOUNT` (8).
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
  return {
    idleMs: integer(env, 'MAILGATE_IMAP_IDLE_MS', DEFAULTS.idleMs),
    maxIdlePerAccount: integer(env, 'MAILGATE_IMAP_MAX_IDLE_PER_ACCOUNT', DEFAULTS.maxIdlePerAccount),
    maxPerAccount: Math.max(1, integer(env, 'MAILGATE_IMAP_MAX_PER_ACCOUNT', DEFAULTS.maxPerAccount)),
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
