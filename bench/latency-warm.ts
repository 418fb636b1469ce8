import type { Account } from '../lib/credentials/account.js';
import { ImapMailStore } from '../lib/imap/imap-mail-store.js';
import { createImapConnectionPool } from '../lib/imap/pool/connection-pool.js';
import { silentLogger } from '../lib/mail/logger.js';
import type { MailboxRef } from '../lib/mail/types.js';
import type { FaultProxy } from '../test/support/fault-proxy.js';
import { median } from './bench-util.js';

const INBOX: MailboxRef = { kind: 'path', path: 'INBOX' };

/**
 * The second request for the same account on a warm process: the first
 * leaves its authenticated connection in the pool, the second is measured
 * (round trips on the wire and wall time). Measured at the store, without
 * HTTP, since the bench gateway keeps no pool.
 */
export async function measureWarm(
  account: Account,
  proxy: FaultProxy,
  runs: number,
  messageId: string,
): Promise<string[][]> {
  const requests: Array<[string, (store: ImapMailStore) => Promise<unknown>]> = [
    ['list page (50), second request warm', (s) => s.listMessages(INBOX, { limit: 50, filter: {} })],
    [
      'get message, second request warm',
      (s) => s.getMessage(INBOX, messageId, { body: 'both', maxBodyBytes: null, markSeen: false }),
    ],
  ];
  const rows: string[][] = [];
  for (const [name, work] of requests) {
    const times: number[] = [];
    const flights: number[] = [];
    for (let i = 0; i < runs; i++) {
      const pool = createImapConnectionPool({ idleMs: 30_000, maxIdlePerAccount: 1, maxPerAccount: 2 });
      const once = async () => {
        const store = new ImapMailStore(
          account,
          { signal: new AbortController().signal, logger: silentLogger },
          pool,
        );
        await work(store).finally(() => store.close());
      };
      await proxy.whenIdle();
      await once();
      proxy.reset();
      const started = performance.now();
      await once();
      times.push(performance.now() - started);
      flights.push(proxy.flights.total);
      if (proxy.totalConnections !== 0) throw new Error('the warm request opened a connection');
      pool.close();
    }
    rows.push([name, '—', `${median(times).toFixed(0)} ms / ${median(flights)}`, '—']);
  }
  return rows;
}
