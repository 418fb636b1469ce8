import { MessageNotFoundError } from '../../mail/errors.js';
import type { Download, MessageScope } from '../../mail/types.js';
import type { ImapSession } from '../session/imap-session.js';
import { openMessage } from './open-message.js';
import { sectionBytes } from './section-bytes.js';
import { streamSection, WINDOW_BYTES } from './section-stream.js';

/**
 * The RFC 5322 source as a stream of `BODY.PEEK[]<offset.length>` windows.
 * The first window comes with RFC822.SIZE, so the exact length is known
 * before the first byte is handed on.
 * @throws MailboxNotFoundError, MessageNotFoundError, StaleMessageIdError
 */
export async function openRaw(session: ImapSession, scope: MessageScope, id: string): Promise<Download> {
  // The stream holds the connection after the answer: a pool keeps it out of the share of short requests.
  session.holdLong();
  const { uid } = await openMessage(session, scope, id, 'read');
  const row = await session.run((client) =>
    client.fetchOne(
      String(uid),
      { uid: true, size: true, source: { start: 0, maxLength: WINDOW_BYTES } },
      { uid: true },
    ),
  );
  if (!row || row.uid !== uid) throw new MessageNotFoundError();
  const first = sectionBytes(row.source);
  return {
    contentType: 'message/rfc822',
    filename: `${uid}.eml`,
    disposition: 'attachment',
    size: typeof row.size === 'number' ? row.size : null,
    body: streamSection(session, uid, null, first, null),
  };
}
