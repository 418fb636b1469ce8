import { AttachmentNotFoundError, MessageNotFoundError } from '../../mail/errors.js';
import type { Download, MessageScope } from '../../mail/types.js';
import { formatContentType } from '../../mime/describe-attachment.js';
import { partName } from '../../mime/select-bodies.js';
import type { MimeNode } from '../../mime/types.js';
import type { ImapSession } from '../session/imap-session.js';
import { toMimeTree } from './body-structure.js';
import { openMessage } from './open-message.js';
import { sectionBytes } from './section-bytes.js';
import { fetchRestAlong, type SectionRest } from './section-rest.js';
import { streamSection, WINDOW_BYTES } from './section-stream.js';
import { structureFromSource } from './source-structure.js';

/** An IMAP part specifier (RFC 9051 §6.4.5), bounded so it cannot be abused. */
const PART_SPECIFIER = /^[1-9][0-9]{0,4}(\.[1-9][0-9]{0,4}){0,30}$/;

function findPart(node: MimeNode, part: string): MimeNode | null {
  if (node.part === part && !node.type.startsWith('multipart/')) return node;
  for (const child of node.children) {
    const found = findPart(child, part);
    if (found) return found;
  }
  return null;
}

/** Exact decoded length only where no transfer encoding stands between: base64/QP sizes are not exact. */
function exactSize(node: MimeNode): number | null {
  return ['7bit', '8bit', 'binary'].includes(node.encoding) ? node.size : null;
}

/**
 * One part's bytes after transfer decoding only (RFC 2045 §6: base64 and
 * quoted-printable undone; no charset conversion, no line-ending change).
 * The part is fetched raw (`BODY.PEEK[part]`, never BINARY) in windows and
 * decoded here; the first FETCH carries BODYSTRUCTURE too, so the part is
 * checked and described without another round trip.
 * @throws AttachmentNotFoundError, MessageNotFoundError, StaleMessageIdError
 */
export async function openAttachment(
  session: ImapSession,
  scope: MessageScope,
  id: string,
  attachmentId: string,
): Promise<Download> {
  if (!PART_SPECIFIER.test(attachmentId)) throw new AttachmentNotFoundError();
  // The stream holds the connection after the answer: a pool keeps it out of the share of short requests.
  session.holdLong();
  const { uid } = await openMessage(session, scope, id, 'read');
  let rest: SectionRest | null = null;
  const row = await session.run((client) => {
    void rest?.discard();
    // The rest of the part travels in the same flight and is streamed off the socket (section-rest.ts).
    rest = fetchRestAlong(client, uid, attachmentId, WINDOW_BYTES);
    return client.fetchOne(
      String(uid),
      {
        uid: true,
        bodyStructure: true,
        bodyParts: [{ key: attachmentId, start: 0, maxLength: WINDOW_BYTES }],
      },
      { uid: true },
    );
  });
  // Thrown with the rest still on the wire, the socket is not settled: closing the session ends the connection.
  if (!row || row.uid !== uid) throw new MessageNotFoundError();
  let structure = row.bodyStructure ? toMimeTree(row.bodyStructure) : null;
  if (!structure) {
    // Another command now: the rest's answer, ahead of it on the wire, is read and dropped first.
    await (rest as SectionRest | null)?.discard();
    rest = null;
    structure = await session.run((client) => structureFromSource(client, uid));
  }
  if (!structure) throw new MessageNotFoundError();
  const node = findPart(structure, attachmentId);
  if (!node) throw new AttachmentNotFoundError();
  const first = sectionBytes(row.bodyParts?.get(attachmentId));
  return {
    contentType: formatContentType(node),
    filename: partName(node),
    disposition: node.disposition === 'inline' ? 'inline' : 'attachment',
    size: exactSize(node),
    body: streamSection(session, uid, attachmentId, first, node.encoding, rest),
  };
}
