import type { ImapFlow } from 'imapflow';
import { parseMimeTree } from '../../mime/parse-structure.js';
import type { MimeNode } from '../../mime/types.js';

/** Bytes of the source read to describe a message whose BODYSTRUCTURE did not come back. */
export const STRUCTURE_SOURCE_BYTES = 1024 * 1024;

/**
 * The MIME tree of a message whose FETCH row came back without its
 * BODYSTRUCTURE. imapflow drops a FETCH item nested deeper than its parser
 * follows (100 levels) rather than the whole row, and how deep a message
 * nests is up to whoever sent it: without this the message could not be read
 * at all. The tree is parsed from the first STRUCTURE_SOURCE_BYTES of the
 * source by the parser POP3 uses (same part numbers as BODYSTRUCTURE, RFC
 * 9051 §6.4.5), which marks what it does not follow (MimeNode.truncated);
 * parts past those bytes are not described, so the caller reports the
 * structure as truncated whatever this finds.
 * @returns the tree, or null when the source did not come back either.
 */
export async function structureFromSource(client: ImapFlow, uid: number): Promise<MimeNode | null> {
  const row = await client.fetchOne(
    String(uid),
    { uid: true, source: { start: 0, maxLength: STRUCTURE_SOURCE_BYTES } },
    { uid: true },
  );
  if (!row || row.uid !== uid || !row.source) return null;
  return parseMimeTree(row.source);
}
