import type { FetchQueryObject } from 'imapflow';
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
import { locateMessage, openLocated } from './open-message.js';
import { structureFromSource } from './source-structure.js';
import { decodeBody } from './text-bodies.js';

const ENVELOPE_KEYS = ['date', 'subject', 'from', 'to', 'cc', 'bcc', 'replyTo', 'messageId', 'inReplyTo'];
const FLAG_KEYS = ['flags', 'seen', 'flagged', 'answered', 'draft'];
const STRUCTURE_KEYS = ['hasAttachments', 'attachments', 'structureTruncated', 'preview'];

/**
 * The first FETCH of a get that reads only `fields`: UID always, each other
 * item only when a field needs it; BODYSTRUCTURE also for the bodies.
 * `fields` = {id, flags} is `UID FETCH <uid> (UID FLAGS)`.
 */
function partialQuery(fields: ReadonlySet<string>, options: GetMessageOptions): FetchQueryObject {
  const wants = (keys: readonly string[]) => keys.some((key) => fields.has(key));
  const query: FetchQueryObject = { uid: true };
  if (wants(FLAG_KEYS) || options.markSeen) query.flags = true;
  if (fields.has('receivedAt')) query.internalDate = true;
  if (fields.has('size')) query.size = true;
  if (wants(ENVELOPE_KEYS)) query.envelope = true;
  if (wants(STRUCTURE_KEYS) || options.body !== 'none') query.bodyStructure = true;
  if (fields.has('headers')) query.headers = true;
  else if (fields.has('references')) query.headers = ['references'];
  if (wants(['emailId', 'threadId'])) query.threadId = true;
  return query;
}

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
 * UID STORE adds \Seen afterwards. The first FETCH travels with the
 * SELECT/EXAMINE (with LOGIN too on a cold connection, DECISIONS D13): its
 * answer is used only after the id's UIDVALIDITY matched the open's, so a
 * cold get is TLS, LOGIN + EXAMINE + FETCH, text FETCH.
 * @throws MailboxNotFoundError, MessageNotFoundError, StaleMessageIdError
 */
export async function getMessage(
  session: ImapSession,
  scope: MessageScope,
  id: string,
  options: GetMessageOptions,
): Promise<Message> {
  const { fields } = options;
  const query = fields ? partialQuery(fields, options) : { ...SUMMARY_QUERY, headers: true };
  const located = await locateMessage(session, scope, id);
  const { uid } = located.key;
  // The first FETCH travels with the EXAMINE (and LOGIN, cold); it is claimed only after the UIDVALIDITY check.
  session.fetchAfterOpen(uid, query);
  const mailbox = await openLocated(session, located, options.markSeen ? 'write' : 'read');
  return session.run(async (client) => {
    const row = await client.fetchOne(String(uid), query, { uid: true });
    if (!row || row.uid !== uid) throw new MessageNotFoundError();
    let tree: MimeNode | null = null;
    if (query.bodyStructure) {
      // Nested past imapflow's parser, BODYSTRUCTURE does not come back: describe what the source shows.
      tree = row.bodyStructure ? toMimeTree(row.bodyStructure) : await structureFromSource(client, uid);
      if (!tree) throw new MessageNotFoundError();
    }
    const selection = tree ? selectBodies(tree) : { textBody: [], htmlBody: [], attachments: [] };
    // Attachments are measured only for an answer that lists them.
    const measured = !fields || fields.has('attachments') ? selection.attachments : [];
    const wantsText = options.body === 'text' || options.body === 'both';
    // With body=text a message without a plain-text part gives its HTML, for its text to be made from.
    const noPlainText = !selection.textBody.some((node) => node.type === 'text/plain');
    const wanted = [
      wantsText ? selection.textBody : [],
      options.body === 'html' || options.body === 'both' || (wantsText && noPlainText)
        ? selection.htmlBody
        : [],
    ];
    const parts = uniqueTextParts(wanted);
    const bodies = await fetchTextAndSizes(client, uid, parts, options.maxBodyBytes, measured);
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
      structureTruncated: tree !== null && (!row.bodyStructure || isStructureTruncated(tree)),
    };
  });
}
