import type { ImapFlow } from 'imapflow';
import { internalsOf } from './client-internals.js';

/**
 * The session-level commands imapflow sends on its own at login (ID before
 * and after LOGIN, NAMESPACE, ENABLE), replaced by ones sent only when a
 * request needs them. imapflow has no switch for any of them, so these go
 * through its command dispatcher `run`.
 */

export interface SessionPreambleOptions {
  sendId: boolean;
  /**
   * Called when imapflow starts LOGIN, before its line is written: the
   * greeting's capabilities are known, nothing is enabled yet. The moment
   * to hand the socket what travels with LOGIN.
   */
  beforeLogin?: () => void;
}

/**
 * imapflow's session setup sends ID before and after login and NAMESPACE
 * unconditionally: three round trips no request here needs (the mailbox
 * paths we open come from LIST, so no namespace prefix is ever added; ID
 * only matters to providers that require it). Until `connect()` resolves,
 * those commands answer without being sent; ID is kept when `sendId`.
 * Returns the function that ends the interception (call it once connected).
 */
export function skipSessionPreamble(client: ImapFlow, options: SessionPreambleOptions): () => void {
  const runner = internalsOf(client);
  const original = runner.run;
  if (typeof original !== 'function') return () => undefined;
  runner.run = function (this: unknown, command: string, ...args: unknown[]) {
    if (command === 'NAMESPACE' || (command === 'ID' && !options.sendId)) return Promise.resolve(undefined);
    if (command === 'LOGIN') options.beforeLogin?.();
    return original.call(this, command, ...args);
  };
  return () => {
    delete runner.run;
  };
}

/** ID (RFC 2971) on demand, for the server name; leaves `client.serverInfo` set when the server answers. */
export async function requestServerId(client: ImapFlow): Promise<void> {
  const runner = internalsOf(client);
  if (typeof runner.run !== 'function' || !client.capabilities.has('ID')) return;
  await runner.run.call(client, 'ID', runner.clientInfo);
}

/**
 * ENABLE (RFC 5161). imapflow only sends it from its own auto-enable at
 * login, which the session switches off to save a round trip on requests
 * that need nothing enabled. The command updates `client.enabled`; imapflow
 * drops names the server does not advertise and answers false on NO.
 */
export async function enableExtensions(client: ImapFlow, names: readonly string[]): Promise<void> {
  const runner = internalsOf(client);
  if (typeof runner.run !== 'function') return;
  await runner.run.call(client, 'ENABLE', [...names]);
}
