import { InvalidRequestError } from '../../../mail/errors.js';
import { boundedBodyBytes } from '../../../mail/read-limits.js';
import type { BodySelection, Header } from '../../../mail/types.js';
import { decodeHeaderValue } from '../../../mime/encoded-words.js';
import type { ImagePolicy } from '../../../mime/safe-html.js';
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

function decodedHeader(header: Header): Header {
  try {
    return { name: header.name, value: decodeHeaderValue(header.value) };
  } catch {
    return header;
  }
}

type HtmlText = typeof import('../../../mime/html-text.js');
type SafeHtml = typeof import('../../../mime/safe-html.js');
let htmlModules: Promise<[HtmlText, SafeHtml]> | undefined;

/**
 * The HTML-to-text and sanitising modules (html-to-text, sanitize-html and
 * their parsers: about 400 KB of JavaScript), loaded on the first message
 * that needs them rather than when the app starts, so a Lambda cold start
 * and the local server's memory at rest do not pay for them.
 */
function loadHtmlModules(): Promise<[HtmlText, SafeHtml]> {
  if (!htmlModules) {
    htmlModules = Promise.all([import('../../../mime/html-text.js'), import('../../../mime/safe-html.js')]);
    // A failed load is not kept: the next message tries again.
    htmlModules.catch(() => {
      htmlModules = undefined;
    });
  }
  return htmlModules;
}

/**
 * The message answer as a mail UI wants it: header values decoded, text for
 * a message that has only HTML, and with `html=safe` the HTML sanitised,
 * `cid:` images pointing at their attachment's `downloadUrl`.
 */
export async function displayMessage(message: LinkedMessage, options: DisplayOptions) {
  const headers = options.headers === 'raw' ? message.headers : message.headers.map(decodedHeader);
  const wantsText = options.body === 'text' || options.body === 'both';
  const wantsHtml = options.body === 'html' || options.body === 'both';

  let text = wantsText ? message.text : null;
  let textTruncated = wantsText ? message.textTruncated : false;
  let fromHtml = false;
  // A message without a plain-text part: its text is made from its HTML (the store reads it for body=text).
  if (wantsText && message.text === null && message.html !== null) {
    const [{ textFromHtml }] = await loadHtmlModules();
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
      const [, { sanitizeMessageHtml }] = await loadHtmlModules();
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

/** Longest `fields` value looked at: every field name once, with room to spare. */
export const MAX_FIELDS_CHARS = 1000;

/** The flag fields: the only part of a message answer that changes while its id is valid. */
const FLAG_FIELDS = ['flags', 'seen', 'flagged', 'answered', 'draft'];
const TEXT_FIELDS = ['text', 'textTruncated', 'textFromHtml', 'encodingProblem', 'preview'];
const HTML_FIELDS = ['html', 'htmlTruncated', 'imagesBlocked', 'encodingProblem', 'preview'];

/**
 * `?fields=` (JMAP-style property selection): a comma-separated list of the
 * answer's top-level fields, `id` always added. Null when absent (every field).
 * @throws InvalidRequestError for an empty list or an unknown field.
 */
export function parseFields(value: string | undefined, known: readonly string[]): ReadonlySet<string> | null {
  if (value === undefined) return null;
  const names = value.split(',').map((name) => name.trim());
  if (value.length > MAX_FIELDS_CHARS || names.every((name) => name === '')) {
    throw new InvalidRequestError('fields must name at least one field of the answer, separated by commas.');
  }
  const fields = new Set(['id']);
  for (const name of names) {
    if (name === '') continue;
    if (!known.includes(name)) {
      const shown = /^[A-Za-z]{1,40}$/.test(name) ? `"${name}"` : 'a name';
      throw new InvalidRequestError(`fields lists ${shown} that is not a field of the answer.`);
    }
    fields.add(name);
  }
  return fields;
}

/** Whether an answer with these fields changes when the message's flags do. */
export function dependsOnFlags(fields: ReadonlySet<string> | null): boolean {
  return fields === null || FLAG_FIELDS.some((name) => fields.has(name));
}

/**
 * What the store reads for `fields`: the bodies the client asked for, less
 * those no listed field shows, and the message's keys the listed fields
 * come from (safe HTML needs the attachments for its `cid:` links).
 */
export function storeRead(
  fields: ReadonlySet<string> | null,
  options: Pick<DisplayOptions, 'body' | 'html'>,
): { body: BodySelection; fields?: ReadonlySet<string> } {
  if (fields === null) return { body: options.body };
  const text = (options.body === 'text' || options.body === 'both') && TEXT_FIELDS.some((f) => fields.has(f));
  const html = (options.body === 'html' || options.body === 'both') && HTML_FIELDS.some((f) => fields.has(f));
  const body: BodySelection = text && html ? 'both' : text ? 'text' : html ? 'html' : 'none';
  const read = new Set(fields);
  if (html && options.html === 'safe') read.add('attachments');
  return { body, fields: read };
}

/** The answer with only `fields` (all of it when null). */
export function selectFields<T extends Record<string, unknown>>(
  answer: T,
  fields: ReadonlySet<string> | null,
): Partial<T> {
  if (fields === null) return answer;
  return Object.fromEntries(Object.entries(answer).filter(([key]) => fields.has(key))) as Partial<T>;
}
