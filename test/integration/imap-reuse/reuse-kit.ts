import type { AccountDocument } from '../../../lib/credentials/account.js';
import { ImapMailStore } from '../../../lib/imap/imap-mail-store.js';
import { ImapConnectionPool } from '../../../lib/imap/pool/connection-pool.js';
import { silentLogger } from '../../../lib/mail/logger.js';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { buildAccount } from '../imap/imap-test-kit.js';

export function buildPool(overrides: Partial<ConstructorParameters<typeof ImapConnectionPool>[0]> = {}) {
  return new ImapConnectionPool({ idleMs: 30_000, maxIdlePerAccount: 4, maxPerAccount: 4, ...overrides });
}

/** A proxy in front of the user's plain IMAP port, so command faults can be aimed at lines. */
export function plainProxy(user: MailUser): Promise<FaultProxy> {
  return startFaultProxy({
    target: { host: user.server.host, port: user.server.ports.imap },
    protocol: 'imap',
  });
}

export function tlsProxy(user: MailUser): Promise<FaultProxy> {
  return startFaultProxy({ target: { host: user.server.host, port: user.server.ports.imaps } });
}

export function viaProxy(proxy: FaultProxy, plain: boolean): Partial<AccountDocument> {
  return plain ? { port: proxy.port, tls: 'none', allowPlaintext: true } : { port: proxy.port };
}

/** One request: a store on the pool, `work`, then close (which returns the connection). */
export async function request<T>(
  user: MailUser,
  pool: ImapConnectionPool | undefined,
  account: Partial<AccountDocument>,
  work: (store: ImapMailStore) => Promise<T>,
  signal: AbortSignal = new AbortController().signal,
): Promise<T> {
  const store = new ImapMailStore(buildAccount(user, account), { signal, logger: silentLogger }, pool);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Index of the proxy connection that sent the most recent command. */
export function lastConnection(proxy: FaultProxy): number {
  const last = proxy.commands.at(-1);
  if (!last) throw new Error('no command went through the proxy');
  return last.connection;
}
