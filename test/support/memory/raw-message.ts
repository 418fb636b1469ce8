import type { Message } from '../../../lib/mail/types.js';
import {
  decodeText,
  decodeTransfer,
  describeAttachment,
  type MimeNode,
  type ParsedMimeNode,
  parseHeaderBlock,
  parseMimeTree,
  selectBodies,
  summarizeHeaders,
} from '../../../lib/mime/index.js';
import { previewFromMessage } from '../../../lib/mime/preview.js';

/**
 * A message's content read from its RFC 5322 source with lib/mime, as the
 * adapters read it: the header summary, every header, the text and HTML
 * bodies chosen as RFC 8621 §4.1.4 says, and the attachments with their part
 * ids and exact decoded sizes. Flags, ids and the mailbox are the caller's.
 */
export type RawContent = Omit<
  Message,
  'id' | 'mailbox' | 'uid' | 'flags' | 'seen' | 'flagged' | 'answered' | 'draft' | 'receivedAt'
>;

function decodedBytes(raw: Buffer, node: MimeNode): Buffer {
  const { bodyStart, bodyEnd } = node as ParsedMimeNode;
  return decodeTransfer(raw.subarray(bodyStart, bodyEnd), node.encoding);
}

function bodyText(raw: Buffer, parts: MimeNode[]): { text: string | null; problem: boolean } {
  if (parts.length === 0) return { text: null, problem: false };
  let problem = false;
  const texts = parts.map((node) => {
    const decoded = decodeText(decodedBytes(raw, node), node.params.charset);
    problem ||= decoded.problem;
    return decoded.text;
  });
  return { text: texts.join('\n'), problem };
}

export function parseRawMessage(raw: Buffer): RawContent {
  const { headers } = parseHeaderBlock(raw);
  const selection = selectBodies(parseMimeTree(raw));
  const text = bodyText(raw, selection.textBody);
  const html = bodyText(raw, selection.htmlBody);
  return {
    ...summarizeHeaders(headers),
    size: raw.byteLength,
    hasAttachments: selection.attachments.length > 0,
    preview: previewFromMessage(raw),
    headers: headers.map(({ name, value }) => ({ name, value })),
    text: text.text,
    html: html.text,
    textTruncated: false,
    htmlTruncated: false,
    encodingProblem: text.problem || html.problem,
    attachments: selection.attachments.map((node) =>
      describeAttachment(node, decodedBytes(raw, node).length),
    ),
  };
}

/** One attachment of a source, transfer-decoded; null when no attachment has that part id. */
export function rawAttachment(raw: Buffer, attachmentId: string): { node: MimeNode; bytes: Buffer } | null {
  const node = selectBodies(parseMimeTree(raw)).attachments.find((part) => part.part === attachmentId);
  return node ? { node, bytes: decodedBytes(raw, node) } : null;
}
