import { ImapFlow } from 'imapflow';
import type { Account } from '../../credentials/account.js';
import type { Logger } from '../../mail/logger.js';
import { quoteSearchValues, skipSessionPreamble } from '../imapflow/index.js';
import { rememberSocket } from '../pool/connection-reuse.js';
import { createPipeliningTransport } from '../wire/pipelining-transport.js';
import { buildClientOptions } from './client-options.js';

export interface OpeningConnection {
  /** Available at once, so an abort during connect can close it. */
  client: ImapFlow;
  /** Settles when the session is authenticated (or failed). */
  ready: Promise<ImapFlow>;
}

/**
 * Opens and authenticates one IMAP connection for `account`, without ID
 * (unless `sendId`) or NAMESPACE, sending `plan()`'s commands in LOGIN's
 * flight (see PipeliningSocket).
 * @throws ConfigurationError (synchronously) for an unusable account.
 */
export function openImapConnection(
  account: Account,
  logger: Logger,
  plan: () => string[],
): OpeningConnection {
  const options = buildClientOptions(account, logger);
  // STARTTLS needs imapflow's own socket upgrade; the pipelining transport has none.
  let client: ImapFlow | null = null;
  if (account.tls !== 'starttls')
    options.transport = createPipeliningTransport(plan, (socket) => client && rememberSocket(client, socket));
  client = new ImapFlow(options);
  quoteSearchValues(client);
  // Without a listener a late socket error would be thrown as an uncaught 'error' event.
  client.on('error', (error: unknown) => {
    logger.debug('imap connection error', { code: (error as { code?: unknown }).code });
  });
  const endSkip = skipSessionPreamble(client, { sendId: account.sendId === true });
  const ready = client
    .connect()
    .finally(endSkip)
    .then(() => client);
  return { client, ready };
}
