import type { Account } from '../../credentials/account.js';

/**
 * The capabilities each server announced after the last LOGIN this process
 * made to it, so a cold connection can plan commands that need one of them
 * (SORT, THREAD) before its own LOGIN has answered: servers announce them
 * only once authenticated (Dovecot's greeting names none). A server never
 * seen plans none of them. A stale entry (a server that lost SORT) costs
 * only the refused line, which is never claimed: it reads nothing.
 */

/** Servers remembered; the oldest is forgotten beyond this. */
const MAX_SERVERS = 1_000;

const known = new Map<string, ReadonlySet<string>>();

function serverKey(account: Pick<Account, 'host' | 'port'>): string {
  return JSON.stringify([account.host.toLowerCase(), account.port]);
}

/** What `account`'s server announced after the last LOGIN, or undefined when none was seen. */
export function knownCapabilities(account: Pick<Account, 'host' | 'port'>): ReadonlySet<string> | undefined {
  return known.get(serverKey(account));
}

/** Records what the server announced once authenticated. */
export function rememberCapabilities(
  account: Pick<Account, 'host' | 'port'>,
  capabilities: ReadonlyMap<string, unknown>,
): void {
  const key = serverKey(account);
  known.delete(key);
  known.set(key, new Set(capabilities.keys()));
  if (known.size > MAX_SERVERS) known.delete(known.keys().next().value!);
}
