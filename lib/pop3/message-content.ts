import { AttachmentNotFoundError } from '../mail/errors.js';
import type { GetMessageOptions, Message, MessageSummary } from '../mail/types.js';
import {
  decodeText,
  decodeTransfer,
  describeAttachment,
  isStructureTruncated,
  type MimeNode,
  type ParsedMimeNode,
  parseHeaderBlock,
  parseMimeTree,
  selectBodies,
} from '../mime/index.js';
import { previewFromMessage } from '../mime/preview.js';
import { buildPop3Summary } from './summary.js';

interface BodyText {
  text: string | null;
  truncated: boolean;
  problem: boolean;
}

/** The parts' text joined; each part cut at `maxBytes` bytes of its source, as a partial fetch would. */
function bodyText(raw: Buffer, parts: MimeNode[], maxBytes: number | null): BodyText {
  if (parts.length === 0) return { text: null, truncated: false, problem: false };
  let truncated = false;
  let problem = false;
  const texts = parts.map((node) => {
    const { bodyStart, bodyEnd } = node as ParsedMimeNode;
    const end = maxBytes === null ? bodyEnd : Math.min(bodyEnd, bodyStart + maxBytes);
    if (end < bodyEnd) truncated = true;
    const decoded = decodeText(
      decodeTransfer(raw.subarray(bodyStart, end), node.encoding),
      node.params.charset,
    );
    problem ||= decoded.problem;
    return decoded.text;
  });
  return { text: texts.join('\n'), truncated, problem };
}

/**
 * A full message from its RETR bytes: the summary fields, every header,
 * the text (text/plain parts only) and HTML bodies chosen as RFC 8621
 * §4.1.4 says (with body=text, the HTML too when there is no text), and the
 * attachments with their exact decoded sizes.
 */
export function buildPop3Message(raw: Buffer, id: string, size: number, options: GetMessageOptions): Message {
  const root = parseMimeTree(raw);
  const { headers } = parseHeaderBlock(raw);
  const selection = selectBodies(root);
  const summary: MessageSummary = {
    ...buildPop3Summary(id, size, headers, previewFromMessage(raw)),
    hasAttachments: selection.attachments.length > 0,
  };
  const wantText = options.body === 'text' || options.body === 'both';
  // Only text/plain parts are text: an HTML-only message has none (as on IMAP).
  const plainParts = selection.textBody.filter((node) => node.type === 'text/plain');
  // With body=text, the HTML of a message without plain text comes along for its text to be made from.
  const wantHtml =
    options.body === 'html' || options.body === 'both' || (wantText && plainParts.length === 0);
  const htmlParts = selection.htmlBody.filter((node) => node.type === 'text/html');
  const text = wantText ? bodyText(raw, plainParts, options.maxBodyBytes) : null;
  const html = wantHtml ? bodyText(raw, htmlParts, options.maxBodyBytes) : null;
  return {
    ...summary,
    headers: headers.map(({ name, value }) => ({ name, value })),
    text: text?.text ?? null,
    html: html?.text ?? null,
    textTruncated: text?.truncated ?? false,
    htmlTruncated: html?.truncated ?? false,
    encodingProblem: (text?.problem ?? false) || (html?.problem ?? false),
    attachments: selection.attachments.map((node) =>
      describeAttachment(node, attachmentBytes(raw, node).length),
    ),
    structureTruncated: isStructureTruncated(root),
  };
}

function attachmentBytes(raw: Buffer, node: MimeNode): Buffer {
  const { bodyStart, bodyEnd } = node as ParsedMimeNode;
  return decodeTransfer(raw.subarray(bodyStart, bodyEnd), node.encoding);
}

/**
 * One attachment's transfer-decoded bytes (RFC 2045 §6; no charset change).
 * @throws AttachmentNotFoundError when no attachment has that part id
 */
export function extractAttachment(raw: Buffer, attachmentId: string): { node: MimeNode; bytes: Buffer } {
  const node = selectBodies(parseMimeTree(raw)).attachments.find((part) => part.part === attachmentId);
  if (!node) throw new AttachmentNotFoundError();
  return { node, bytes: attachmentBytes(raw, node) };
}
