import { MessageNotFoundError, UpstreamUnavailableError } from '../../mail/errors.js';
import type { GetMessageOptions, Message, MessageScope } from '../../mail/types.js';
import { describeAttachment } from '../../mime/describe-attachment.js';
import { parseHeaderBlock } from '../../mime/headers.js';
import { previewFromBodies } from '../../mime/preview.js';
import { selectBodies } from '../../mime/select-bodies.js';
import { isStructureTruncated } from '../../mime/truncated-structure.js';
import type { MimeNode } from '../../mime/types.js';
import type { ImapSession } from '../session/imap-session.js';
import { fetchTextAndSizes } from './attachment-sizes.js';
import { toMimeTree } from './body-structure.js';
import { SUMMARY_QUERY, toMessageSummary } from './message-summary.js';
import { openMessage } from './open-message.js';
import { structureFromSource } from './source-structure.js';
import { decodeBody } from './text-bodies.js';

function uniqueTextParts(lists: MimeNode[][]): MimeNode[] {
  const byPart = new Map<string, MimeNode>();
  for (const node of lists.flat()) {
    if (node.type === 'text/plain' || node.type === 'text/html') byPart.set(node.part, node);
  }
  return [...byPart.values()];
}

/**
 * One message as JSON in at most two FETCH commands: (1) the summary items
 * with the whole header block, (2) only the text and HTML parts that RFC 8621
 * §4.1.4 selects, cut with a partial fetch when `maxBodyBytes` is set.
 * Attachments are described from BODYSTRUCTURE, their decoded sizes
 * measured by the second FETCH (BINARY.SIZE, else a 2 KiB prefix each; see
 * attachment-sizes.ts). Every body item is BODY.PEEK, so reading sets no
 * flag; with `markSeen` the mailbox is SELECTed instead of EXAMINEd and one
 * UID STORE adds \Seen afterwards.
 * @throws MailboxNotFoundError, MessageNotFoundError, StaleMessageIdError
 */
export async function getMessage(
  session: ImapSession,
  scope: MessageScope,
  id: string,
  options: GetMessageOptions,
): Promise<Message> {
  const { mailbox, uid } = await openMessage(session, scope, id, options.markSeen ? 'write' : 'read');
  return session.run(async (client) => {
    const row = await client.fetchOne(String(uid), { ...SUMMARY_QUERY, headers: true }, { uid: true });
    if (!row || row.uid !== uid) throw new MessageNotFoundError();
    // Nested past imapflow's parser, BODYSTRUCTURE does not come back: describe what the source shows.
    const tree = row.bodyStructure ? toMimeTree(row.bodyStructure) : await structureFromSource(client, uid);
    if (!tree) throw new MessageNotFoundError();
    const selection = selectBodies(tree);
    const wanted = [
      options.body === 'text' || options.body === 'both' ? selection.textBody : [],
      options.body === 'html' || options.body === 'both' ? selection.htmlBody : [],
    ];
    const parts = uniqueTextParts(wanted);
    const bodies = await fetchTextAndSizes(client, uid, parts, options.maxBodyBytes, selection.attachments);
    if (bodies === false) throw new MessageNotFoundError();
    const text = decodeBody(wanted[0]!, 'text/plain', bodies.bodyParts, options.maxBodyBytes);
    const html = decodeBody(wanted[1]!, 'text/html', bodies.bodyParts, options.maxBodyBytes);

    const summary = toMessageSummary(row, mailbox.path, mailbox.uidValidity, tree);
    if (options.markSeen && !summary.seen) {
      const stored = await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
      if (!stored) throw new UpstreamUnavailableError('The mail server did not set the \\Seen flag.');
      summary.flags.push('\\Seen');
      summary.seen = true;
    }
    const headers = row.headers ? parseHeaderBlock(row.headers).headers : [];
    return {
      ...summary,
      headers: headers.map((field) => ({ name: field.name, value: field.value })),
      text: text.text,
      html: html.text,
      textTruncated: text.truncated,
      htmlTruncated: html.truncated,
      encodingProblem: text.encodingProblem || html.encodingProblem,
      // From the bodies this get read (none with body=none): no FETCH item of its own.
      preview: previewFromBodies(text.text, html.text),
      attachments: selection.attachments.map((node) => describeAttachment(node, bodies.sizes.get(node.part))),
      structureTruncated: !row.bodyStructure || isStructureTruncated(tree),
    };
  });
}
