import { ImapFlow } from 'imapflow';
import type { Account } from '../../credentials/account.js';
import type { Logger } from '../../mail/logger.js';
import { quoteSearchValues, skipSessionPreamble } from '../imapflow/index.js';
import type { PooledConnection } from '../pool/pooled-connection.js';
import { createPipeliningTransport } from '../wire/pipelining-transport.js';
import { buildClientOptions, type LoginCredentials } from './client-options.js';
import { knownCapabilities, rememberCapabilities } from './known-capabilities.js';
import { type PlannedCommand, plannedLines } from './planned-command.js';

export interface OpeningConnection {
  /** Available at once, so an abort during connect can close it (and wait for its socket). */
  connection: PooledConnection;
  /** Settles when the session is authenticated (or failed). */
  ready: Promise<PooledConnection>;
}

export interface OpenOptions extends LoginCredentials {
  /** The commands the request sends first: they travel in LOGIN's flight when they can (see PipeliningSocket). */
  plan?: readonly PlannedCommand[];
}

/**
 * Opens and authenticates one IMAP connection for `account`, without ID
 * (unless `sendId`) or NAMESPACE, sending the planned commands in LOGIN's
 * flight. Their lines are built when imapflow starts LOGIN, with its own
 * compiler and the capabilities the server greeted with, and handed to the
 * socket as data. An OAuth2 account logs in with `accessToken`
 * (AUTHENTICATE, never pipelined: see login-pipeline.ts).
 * @throws ConfigurationError (synchronously) for an unusable account.
 */
export function openImapConnection(
  account: Account,
  logger: Logger,
  { plan = [], ...credentials }: OpenOptions = {},
): OpeningConnection {
  const options = buildClientOptions(account, logger, credentials);
  // STARTTLS needs imapflow's own socket upgrade; the pipelining transport has none.
  const transport = account.tls === 'starttls' ? null : createPipeliningTransport();
  if (transport) options.transport = transport;
  const client = new ImapFlow(options);
  quoteSearchValues(client);
  // Without a listener a late socket error would be thrown as an uncaught 'error' event.
  client.on('error', (error: unknown) => {
    logger.debug('imap connection error', { code: (error as { code?: unknown }).code });
  });
  const endSkip = skipSessionPreamble(client, {
    sendId: account.sendId === true,
    beforeLogin: () =>
      transport?.socket?.pipelineWithLogin(plannedLines(client, plan, knownCapabilities(account))),
  });
  const connection: PooledConnection = {
    client,
    // The transport's socket exists once imapflow asked for it, as connect() starts.
    get socket() {
      return transport?.socket ?? null;
    },
  };
  const ready = client
    .connect()
    .finally(endSkip)
    .then(() => {
      rememberCapabilities(account, client.capabilities);
      return connection;
    });
  return { connection, ready };
}
