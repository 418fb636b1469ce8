import type { ImapFlow } from 'imapflow';
import type { PipeliningSocket } from '../wire/pipelining-socket.js';

/**
 * One authenticated IMAP connection as the pool keeps it: the client and
 * the socket under it, carried together because imapflow forgets its socket
 * once the connection closes, and reuse needs what the socket counted.
 */
export interface PooledConnection {
  readonly client: ImapFlow;
  /** The pipelining socket; null when imapflow opened its own (STARTTLS), which is never pooled. */
  readonly socket: PipeliningSocket | null;
}
