import { MessageNotFoundError } from '../../mail/errors.js';
import type { Download, MessageScope } from '../../mail/types.js';
import type { ImapSession } from '../session/imap-session.js';
import { openMessage } from './open-message.js';
import { sectionBytes } from './section-bytes.js';
import { fetchRestAlong, type SectionRest } from './section-rest.js';
import { streamSection, WINDOW_BYTES } from './section-stream.js';

/**
 * The RFC 5322 source: a first `BODY.PEEK[]<0.WINDOW_BYTES>` window with
 * RFC822.SIZE, so the exact length is known before the first byte is handed
 * on, and in the same flight one FETCH of the rest, streamed off the socket
 * (section-rest.ts; windows where the connection cannot).
 * @throws MailboxNotFoundError, MessageNotFoundError, StaleMessageIdError
 */
export async function openRaw(session: ImapSession, scope: MessageScope, id: string): Promise<Download> {
  // The stream holds the connection after the answer: a pool keeps it out of the share of short requests.
  session.holdLong();
  const { uid } = await openMessage(session, scope, id, 'read');
  let rest: SectionRest | null = null;
  const row = await session.run((client) => {
    void rest?.discard();
    rest = fetchRestAlong(client, uid, null, WINDOW_BYTES);
    return client.fetchOne(
      String(uid),
      { uid: true, size: true, source: { start: 0, maxLength: WINDOW_BYTES } },
      { uid: true },
    );
  });
  // Thrown with the rest still on the wire, the socket is not settled: closing the session ends the connection.
  if (!row || row.uid !== uid) throw new MessageNotFoundError();
  const first = sectionBytes(row.source);
  return {
    contentType: 'message/rfc822',
    filename: `${uid}.eml`,
    disposition: 'attachment',
    size: typeof row.size === 'number' ? row.size : null,
    body: streamSection(session, uid, null, first, null, rest),
  };
}
