import type { MimeNode } from './types.js';

/** The parts of a message shown as its text body, its HTML body, and its attachments. */
export interface BodySelection {
  textBody: MimeNode[];
  htmlBody: MimeNode[];
  attachments: MimeNode[];
}

function isInlineMediaType(type: string): boolean {
  return type.startsWith('image/') || type.startsWith('audio/') || type.startsWith('video/');
}

/** The part's file name as RFC 8621 §4.1.4 `name`: disposition filename, else Content-Type name. */
export function partName(node: MimeNode): string | null {
  return node.dispositionParams.filename || node.params.name || null;
}

/**
 * RFC 8621 §4.1.4 `parseStructure`, step for step. `textBody`/`htmlBody`
 * are null once an alternative has ruled that list out.
 */
function parseStructure(
  parts: readonly MimeNode[],
  multipartType: string,
  inAlternative: boolean,
  htmlBodyIn: MimeNode[] | null,
  textBodyIn: MimeNode[] | null,
  attachments: MimeNode[],
): void {
  let htmlBody = htmlBodyIn;
  let textBody = textBodyIn;
  const textLength = textBody ? textBody.length : -1;
  const htmlLength = htmlBody ? htmlBody.length : -1;

  parts.forEach((part, i) => {
    const isMultipart = part.type.startsWith('multipart/');
    const isInline =
      part.disposition !== 'attachment' &&
      (part.type === 'text/plain' || part.type === 'text/html' || isInlineMediaType(part.type)) &&
      (i === 0 || (multipartType !== 'related' && (isInlineMediaType(part.type) || !partName(part))));

    if (isMultipart) {
      const subMultiType = part.type.split('/')[1] ?? '';
      parseStructure(
        part.children,
        subMultiType,
        inAlternative || subMultiType === 'alternative',
        htmlBody,
        textBody,
        attachments,
      );
    } else if (isInline) {
      if (multipartType === 'alternative') {
        if (part.type === 'text/plain') textBody?.push(part);
        else if (part.type === 'text/html') htmlBody?.push(part);
        else attachments.push(part);
        return;
      }
      if (inAlternative) {
        if (part.type === 'text/plain') htmlBody = null;
        if (part.type === 'text/html') textBody = null;
      }
      textBody?.push(part);
      htmlBody?.push(part);
      if ((!textBody || !htmlBody) && isInlineMediaType(part.type)) attachments.push(part);
    } else {
      attachments.push(part);
    }
  });

  if (multipartType === 'alternative' && textBody && htmlBody) {
    // Found an HTML part only: it stands in for the text body too.
    if (textLength === textBody.length && htmlLength !== htmlBody.length) {
      textBody.push(...htmlBody.slice(htmlLength));
    }
    // Found a plain-text part only: it stands in for the HTML body too.
    if (htmlLength === htmlBody.length && textLength !== textBody.length) {
      htmlBody.push(...textBody.slice(textLength));
    }
  }
}

/**
 * Splits a MIME tree into text body, HTML body and attachments following the
 * algorithm of RFC 8621 §4.1.4. Only multiparts are descended into: an
 * attached message (message/rfc822) or a report part (message/delivery-status…)
 * is an attachment, never inlined text.
 */
export function selectBodies(root: MimeNode): BodySelection {
  const selection: BodySelection = { textBody: [], htmlBody: [], attachments: [] };
  parseStructure([root], 'mixed', false, selection.htmlBody, selection.textBody, selection.attachments);
  return selection;
}

/** Whether the message has attachments in the sense of `selectBodies`. */
export function hasAttachments(root: MimeNode): boolean {
  return selectBodies(root).attachments.length > 0;
}
