import { MessageNotFoundError, UnsupportedOperationError } from '../mail/errors.js';
import { encodePop3MessageId } from '../mail/ids.js';
import type { MessageSummary } from '../mail/types.js';
import { parseHeaderBlock } from '../mime/index.js';
import type { Pop3Client } from './client.js';
import type { MessageUid } from './commands/uidl.js';
import { buildPop3Summary, pop3Preview } from './summary.js';

/**
 * What a webhook watcher reads of a POP3 maildrop: POP3 has no change state,
 * so the watcher diffs the UIDL listing against the UIDLs it saw last time
 * and reads the headers of the new messages only.
 */

/** Messages whose headers one pipelined batch reads (each batch has its own byte budget). */
const SUMMARY_BATCH = 100;

/**
 * UIDL (RFC 1939 §7) of every message, in message-number order. UIDL is
 * optional in RFC 1939: a server that refuses it cannot be watched.
 * @throws UnsupportedOperationError when the server answers UIDL with -ERR
 */
export async function listUidls(client: Pop3Client): Promise<MessageUid[]> {
  try {
    return await client.uidl();
  } catch (error) {
    // A full listing names no message: its -ERR means the command itself is refused.
    if (error instanceof MessageNotFoundError) {
      throw new UnsupportedOperationError(
        'The POP3 server does not support UIDL (RFC 1939 §7), so its mailbox cannot be watched.',
      );
    }
    throw error;
  }
}

/**
 * The summaries the message list gives for these messages (by number in the
 * session), in the order asked: UIDL n, LIST n and TOP n 16, pipelined.
 * @throws MessageNotFoundError when one is no longer there
 */
export async function summariesByNumber(
  client: Pop3Client,
  numbers: readonly number[],
): Promise<MessageSummary[]> {
  const summaries: MessageSummary[] = [];
  for (let start = 0; start < numbers.length; start += SUMMARY_BATCH) {
    for (const info of await client.headers(numbers.slice(start, start + SUMMARY_BATCH))) {
      summaries.push(
        buildPop3Summary(
          encodePop3MessageId(info.uid),
          info.size,
          parseHeaderBlock(info.header).headers,
          pop3Preview(info.header, info.size),
        ),
      );
    }
  }
  return summaries;
}
