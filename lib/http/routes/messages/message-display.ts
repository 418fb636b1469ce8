import { boundedBodyBytes } from '../../../mail/read-limits.js';
import type { BodySelection, Header } from '../../../mail/types.js';
import { decodeHeaderValue } from '../../../mime/encoded-words.js';
import { textFromHtml } from '../../../mime/html-text.js';
import { type ImagePolicy, sanitizeMessageHtml } from '../../../mime/safe-html.js';
import type { withLinks } from './message-links.js';

type LinkedMessage = ReturnType<typeof withLinks>;

export interface DisplayOptions {
  /** The bodies the client asked for. */
  body: BodySelection;
  html: 'raw' | 'safe';
  images: ImagePolicy;
  headers: 'decoded' | 'raw';
  maxBodyBytes: number | null;
}

/**
 * The store's body selection for what the client asked: the text of an
 * HTML-only message is made from its HTML, so `body=text` reads both.
 */
export function storeBodySelection(body: BodySelection): BodySelection {
  return body === 'text' ? 'both' : body;
}

function decodedHeader(header: Header): Header {
  try {
    return { name: header.name, value: decodeHeaderValue(header.value) };
  } catch {
    return header;
  }
}

/**
 * The message answer as a mail UI wants it: header values decoded, text for
 * a message that has only HTML, and with `html=safe` the HTML sanitised,
 * `cid:` images pointing at their attachment's `downloadUrl`.
 */
export function displayMessage(message: LinkedMessage, options: DisplayOptions) {
  const headers = options.headers === 'raw' ? message.headers : message.headers.map(decodedHeader);
  const wantsText = options.body === 'text' || options.body === 'both';
  const wantsHtml = options.body === 'html' || options.body === 'both';

  // A message without a plain-text part: IMAP answers no text, POP3 the HTML part as the text.
  const noPlainText = message.text === null || message.text === message.html;
  let text = wantsText ? message.text : null;
  let textTruncated = wantsText ? message.textTruncated : false;
  let fromHtml = false;
  if (wantsText && noPlainText && message.html !== null) {
    const derived = textFromHtml(message.html, boundedBodyBytes(options.maxBodyBytes));
    text = derived.text;
    textTruncated = message.htmlTruncated || derived.truncated;
    fromHtml = true;
  }

  let html = wantsHtml ? message.html : null;
  const htmlTruncated = wantsHtml ? message.htmlTruncated : false;
  let imagesBlocked: number | undefined;
  if (options.html === 'safe') {
    imagesBlocked = 0;
    if (html !== null) {
      const byContentId = new Map<string, string>();
      for (const attachment of message.attachments) {
        if (attachment.contentId !== null && !byContentId.has(attachment.contentId)) {
          byContentId.set(attachment.contentId, attachment.downloadUrl);
        }
      }
      const safe = sanitizeMessageHtml(html, {
        images: options.images,
        cidUrl: (contentId) => byContentId.get(contentId) ?? null,
      });
      html = safe.html;
      imagesBlocked = safe.imagesBlocked;
    }
  }

  return {
    ...message,
    headers,
    text,
    textTruncated,
    textFromHtml: fromHtml,
    html,
    htmlTruncated,
    ...(imagesBlocked === undefined ? {} : { imagesBlocked }),
  };
}
