import { compile } from 'html-to-text';
import { boundHtml } from './safe-html.js';
import { type TruncatedText, truncateUtf8 } from './truncate-utf8.js';

const toText = compile({
  wordwrap: false,
  // The store already cut the HTML (MAX_BODY_TEXT_BYTES); its bounded form is at most a few times that.
  limits: { maxInputLength: 16 * 1024 * 1024 },
  selectors: [
    { selector: 'img', format: 'skip' },
    // Layout tables are the rule in mail: a cell is a block, not a column.
    { selector: 'td', format: 'block' },
    { selector: 'th', format: 'block' },
    {
      selector: 'a',
      options: {
        hideLinkHrefIfSameAsText: true,
        ignoreHref: false,
        noAnchorUrl: true,
        linkBrackets: ['[', ']'],
      },
    },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
  ],
});

/**
 * Plain text for a message that has only HTML (html-to-text on the
 * depth-bounded document): block structure as line breaks, links as
 * `text [url]` (the URL once when it is the text), images left out, table
 * cells on lines of their own, no line wrapping (apps wrap). At most `maxBytes` bytes of
 * UTF-8, cut without splitting a character.
 */
export function textFromHtml(html: string, maxBytes: number): TruncatedText {
  return truncateUtf8(toText(boundHtml(html)).trim(), maxBytes);
}
