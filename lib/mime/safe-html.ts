import sanitizeHtml from 'sanitize-html';

/**
 * The deepest element nesting the sanitiser and the text converter see.
 * Their parser keeps its open elements in an array it grows at the front,
 * so a document of N unclosed tags costs N² there (a 1 MiB run of `<div>`
 * took minutes); past this depth a start tag is dropped (its text kept).
 * Real mail nests a few dozen levels.
 */
export const MAX_HTML_DEPTH = 128;

/** Elements whose content is not markup: dropped whole, as none survives sanitising anyway. */
const RAW_TEXT = new Set([
  'script',
  'style',
  'textarea',
  'title',
  'xmp',
  'iframe',
  'noembed',
  'noframes',
  'noscript',
  'plaintext',
  'template',
]);

const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'keygen',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);

const TAG_NAME = /^[a-z][a-z0-9-]*(:[a-z][a-z0-9-]*)?$/;
const ATTRIBUTE_NAME = /^[a-z_:][a-z0-9_:.-]*$/;

function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d;
}

function escapeText(text: string): string {
  return text.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

interface Tag {
  name: string;
  attributes: [string, string][];
  /** Offset just past the tag's `>`, or -1 when the input ends inside it. */
  end: number;
}

/** Reads a tag's name and attributes from `start` (just past `<` or `</`), as the HTML tokenizer does. */
function readTag(html: string, start: number): Tag {
  let i = start;
  while (i < html.length && !isSpace(html.charCodeAt(i)) && html[i] !== '/' && html[i] !== '>') i++;
  const name = html.slice(start, i).toLowerCase();
  const attributes: [string, string][] = [];
  while (i < html.length) {
    const code = html.charCodeAt(i);
    if (isSpace(code) || html[i] === '/') {
      i++;
      continue;
    }
    if (html[i] === '>') return { name, attributes, end: i + 1 };
    const nameStart = i;
    i++;
    while (i < html.length && !isSpace(html.charCodeAt(i)) && !'/>='.includes(html[i]!)) i++;
    const attributeName = html.slice(nameStart, i).toLowerCase();
    while (i < html.length && isSpace(html.charCodeAt(i))) i++;
    let value = '';
    if (html[i] === '=') {
      i++;
      while (i < html.length && isSpace(html.charCodeAt(i))) i++;
      const quote = html[i];
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, i + 1);
        if (close < 0) return { name, attributes, end: -1 };
        value = html.slice(i + 1, close);
        i = close + 1;
      } else {
        const valueStart = i;
        while (i < html.length && !isSpace(html.charCodeAt(i)) && html[i] !== '>') i++;
        value = html.slice(valueStart, i);
      }
    }
    attributes.push([attributeName, value]);
  }
  return { name, attributes, end: -1 };
}

/**
 * The document re-written as plain, well-nested markup at most
 * MAX_HTML_DEPTH elements deep, in one pass over the input: comments,
 * declarations and raw-text elements (script, style, …) are dropped, every
 * stray `<` becomes text, each tag is written again with its attributes
 * double-quoted, a start tag past the depth limit is dropped, and every
 * element that an end tag closes gets its own end tag. Entities are left as
 * written. What a browser would make of the original matters no more from
 * here: only the sanitiser's reading of this output is rendered.
 */
export function boundHtml(html: string, maxDepth = MAX_HTML_DEPTH): string {
  const lower = html.toLowerCase();
  const out: string[] = [];
  const open: string[] = [];
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out.push(escapeText(html.slice(i)));
      break;
    }
    if (lt > i) out.push(escapeText(html.slice(i, lt)));
    const next = html.charCodeAt(lt + 1);
    if (html.startsWith('<!--', lt)) {
      const close = html.indexOf('-->', lt + 4);
      i = close < 0 ? html.length : close + 3;
      continue;
    }
    if (html[lt + 1] === '!' || html[lt + 1] === '?') {
      const close = html.indexOf('>', lt + 2);
      i = close < 0 ? html.length : close + 1;
      continue;
    }
    if (html[lt + 1] === '/' && isLetter(html.charCodeAt(lt + 2))) {
      const tag = readTag(html, lt + 2);
      i = tag.end < 0 ? html.length : tag.end;
      const at = open.lastIndexOf(tag.name);
      if (at >= 0) {
        while (open.length > at) out.push(`</${open.pop()}>`);
      }
      continue;
    }
    if (!isLetter(next)) {
      out.push('&lt;');
      i = lt + 1;
      continue;
    }
    const tag = readTag(html, lt + 1);
    if (tag.end < 0) break;
    i = tag.end;
    if (RAW_TEXT.has(tag.name)) {
      if (tag.name === 'plaintext') break;
      const close = lower.indexOf(`</${tag.name}`, i);
      if (close < 0) break;
      const end = html.indexOf('>', close);
      i = end < 0 ? html.length : end + 1;
      continue;
    }
    if (!TAG_NAME.test(tag.name)) continue;
    const isVoid = VOID.has(tag.name);
    if (!isVoid && open.length >= maxDepth) continue;
    let written = `<${tag.name}`;
    const seen = new Set<string>();
    for (const [name, value] of tag.attributes) {
      if (!ATTRIBUTE_NAME.test(name) || seen.has(name)) continue;
      seen.add(name);
      written += ` ${name}="${value.replace(/"/g, '&quot;')}"`;
    }
    out.push(`${written}>`);
    if (!isVoid) open.push(tag.name);
  }
  while (open.length > 0) out.push(`</${open.pop()}>`);
  return out.join('');
}

export type ImagePolicy = 'keep' | 'block';

export interface SafeHtmlOptions {
  /** Remote (http/https) images: kept, or removed with a placeholder. */
  images: ImagePolicy;
  /** Where the part with a Content-ID (without angle brackets) is downloaded, if it is one of the message's. */
  cidUrl: (contentId: string) => string | null;
}

export interface SafeHtml {
  html: string;
  /** Remote images removed under `images: 'block'`. */
  imagesBlocked: number;
}

const ALLOWED_TAGS = [
  'a',
  'abbr',
  'address',
  'article',
  'aside',
  'b',
  'bdi',
  'bdo',
  'big',
  'blockquote',
  'br',
  'caption',
  'center',
  'cite',
  'code',
  'col',
  'colgroup',
  'dd',
  'del',
  'dfn',
  'div',
  'dl',
  'dt',
  'em',
  'figcaption',
  'figure',
  'font',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'i',
  'img',
  'ins',
  'kbd',
  'li',
  'main',
  'mark',
  'nav',
  'ol',
  'p',
  'pre',
  'q',
  's',
  'samp',
  'section',
  'small',
  'span',
  'strike',
  'strong',
  'sub',
  'sup',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'time',
  'tr',
  'tt',
  'u',
  'ul',
  'var',
  'wbr',
];

const CELL = ['width', 'height', 'bgcolor', 'colspan', 'rowspan', 'align', 'valign', 'nowrap'];

const ALLOWED_ATTRIBUTES: Record<string, string[]> = {
  '*': ['style', 'title', 'dir', 'lang', 'align'],
  a: ['href', 'rel', 'target'],
  img: ['src', 'alt', 'width', 'height', 'border', 'data-image-blocked'],
  table: ['width', 'height', 'border', 'cellpadding', 'cellspacing', 'bgcolor', 'role'],
  td: CELL,
  th: CELL,
  tr: ['bgcolor', 'valign', 'height'],
  tbody: ['valign'],
  col: ['span', 'width'],
  colgroup: ['span', 'width'],
  font: ['color', 'face', 'size'],
  ol: ['start', 'type', 'reversed'],
  ul: ['type'],
  li: ['value'],
  time: ['datetime'],
  blockquote: ['cite'],
  q: ['cite'],
  del: ['cite', 'datetime'],
  ins: ['cite', 'datetime'],
};

// CSS values: no parentheses but rgb()/hsl() colours, no backslash escapes,
// no quotes but in font names, so no url(), expression(), var() or attr().
// Box sizes and margins are never negative: a negative margin would move the
// message over whatever the app shows around it.
const NUMBER = String.raw`(\d+\.?\d*|\.\d+)`;
const UNITS = '(px|pt|pc|em|rem|ex|ch|%|vw|vh|cm|mm|in)';
const LENGTH = `(0|${NUMBER}${UNITS}|auto)`;
const SIGNED_LENGTH = `(0|-?${NUMBER}${UNITS})`;
const LENGTHS = new RegExp(String.raw`^${LENGTH}(\s+${LENGTH}){0,3}$`, 'i');
const ONE_LENGTH = new RegExp(`^(${LENGTH}|normal|inherit|initial)$`, 'i');
const ONE_SIGNED_LENGTH = new RegExp(`^(${SIGNED_LENGTH}|normal|inherit|initial)$`, 'i');
const COLOR_TEXT = String.raw`(#[0-9a-f]{3,8}|(rgb|rgba|hsl|hsla)\(\s*[-\d.%\s,/deg]+\)|[a-z]+)`;
const COLOR = new RegExp(`^${COLOR_TEXT}$`, 'i');
const BORDER = new RegExp(
  String.raw`^((${LENGTH}|thin|medium|thick|none|hidden|dotted|dashed|solid|double|groove|ridge|inset|outset|${COLOR_TEXT})\s*){1,3}$`,
  'i',
);
const keywords = (...words: string[]) => [new RegExp(`^(${words.join('|')})$`, 'i')];

const BOX = [LENGTHS];
const ALLOWED_STYLES: Record<string, RegExp[]> = {
  color: [COLOR],
  'background-color': [COLOR],
  background: [COLOR],
  'font-family': [/^[\w\s,'"-]{1,200}$/],
  'font-size': [ONE_LENGTH, /^(xx-small|x-small|small|medium|large|x-large|xx-large|smaller|larger)$/i],
  'font-weight': [/^(normal|bold|bolder|lighter|[1-9]00)$/i],
  'font-style': keywords('normal', 'italic', 'oblique'),
  'font-variant': keywords('normal', 'small-caps'),
  'line-height': [ONE_LENGTH, new RegExp(`^${NUMBER}$`)],
  'letter-spacing': [ONE_SIGNED_LENGTH],
  'word-spacing': [ONE_SIGNED_LENGTH],
  'text-align': keywords('left', 'right', 'center', 'justify', 'start', 'end'),
  'text-decoration': [
    /^(none|underline|overline|line-through)(\s+(none|underline|overline|line-through))*$/i,
  ],
  'text-transform': keywords('none', 'uppercase', 'lowercase', 'capitalize'),
  'text-indent': [ONE_SIGNED_LENGTH],
  'vertical-align': [ONE_SIGNED_LENGTH, /^(baseline|top|middle|bottom|text-top|text-bottom|sub|super)$/i],
  'white-space': keywords('normal', 'nowrap', 'pre', 'pre-wrap', 'pre-line'),
  'word-break': keywords('normal', 'break-all', 'keep-all', 'break-word'),
  'word-wrap': keywords('normal', 'break-word'),
  'overflow-wrap': keywords('normal', 'break-word', 'anywhere'),
  direction: keywords('ltr', 'rtl'),
  display: keywords(
    'block',
    'inline',
    'inline-block',
    'none',
    'table',
    'table-row',
    'table-cell',
    'list-item',
  ),
  float: keywords('left', 'right', 'none'),
  clear: keywords('left', 'right', 'both', 'none'),
  overflow: keywords('visible', 'hidden', 'auto', 'scroll'),
  width: [ONE_LENGTH],
  height: [ONE_LENGTH],
  'max-width': [ONE_LENGTH, /^none$/i],
  'min-width': [ONE_LENGTH],
  'max-height': [ONE_LENGTH, /^none$/i],
  'min-height': [ONE_LENGTH],
  margin: BOX,
  'margin-top': BOX,
  'margin-right': BOX,
  'margin-bottom': BOX,
  'margin-left': BOX,
  padding: BOX,
  'padding-top': BOX,
  'padding-right': BOX,
  'padding-bottom': BOX,
  'padding-left': BOX,
  border: [BORDER],
  'border-top': [BORDER],
  'border-right': [BORDER],
  'border-bottom': [BORDER],
  'border-left': [BORDER],
  'border-color': [COLOR],
  'border-style': keywords('none', 'hidden', 'dotted', 'dashed', 'solid', 'double'),
  'border-width': BOX,
  'border-radius': BOX,
  'border-collapse': keywords('collapse', 'separate'),
  'border-spacing': BOX,
  'table-layout': keywords('auto', 'fixed'),
  'list-style-type': [/^[a-z-]{1,30}$/i],
};

const LINK = /^(https?:|mailto:|tel:)/i;
const REMOTE_IMAGE = /^https?:\/\//i;
const DATA_IMAGE = /^data:image\/(png|gif|jpeg|webp)[;,]/i;

/** A URL as the browser reads it: controls and whitespace inside do not count. */
function urlText(value: string | undefined): string {
  return (value ?? '').replace(/[\u0000-\u0020\u007f]/g, '');
}

function contentIdOf(url: string): string {
  const id = url.slice(4);
  try {
    return decodeURIComponent(id);
  } catch {
    return id;
  }
}

/**
 * A message's HTML made safe to render in an app's page: allow-list
 * sanitising (sanitize-html) of the depth-bounded document. No script,
 * event handler, form, frame, object, SVG, `<meta>`, `<base>`, `<style>`
 * block or `<link>` survives; attributes are a per-element list (no `id`,
 * `name` or `class`, which could reach the app's own page); URLs are
 * http(s), mailto or tel in links (which open a new browsing context
 * without opener or referrer) and http(s) or `data:image/{png,gif,jpeg,webp}`
 * in images; `cid:` images point at the part with that Content-ID, or lose
 * their source; inline CSS is a list of properties, each with a pattern its
 * value must match, none admitting `url()`, `expression()` or `position`.
 */
export function sanitizeMessageHtml(html: string, options: SafeHtmlOptions): SafeHtml {
  let imagesBlocked = 0;
  const clean = sanitizeHtml(boundHtml(html), {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: ALLOWED_ATTRIBUTES,
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: ['http', 'https', 'data'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    allowProtocolRelative: false,
    allowedStyles: { '*': ALLOWED_STYLES },
    parseStyleAttributes: true,
    disallowedTagsMode: 'discard',
    nestingLimit: MAX_HTML_DEPTH,
    transformTags: {
      a: (tagName, attribs) => {
        const href = urlText(attribs.href);
        const { href: _href, rel: _rel, target: _target, ...rest } = attribs;
        if (!LINK.test(href)) return { tagName, attribs: rest };
        return { tagName, attribs: { ...rest, href, rel: 'noopener noreferrer', target: '_blank' } };
      },
      img: (tagName, attribs) => {
        const { src: _src, 'data-image-blocked': _blocked, ...rest } = attribs;
        const src = urlText(attribs.src);
        if (/^cid:/i.test(src)) {
          const url = options.cidUrl(contentIdOf(src));
          return { tagName, attribs: url === null ? rest : { ...rest, src: url } };
        }
        if (REMOTE_IMAGE.test(src)) {
          if (options.images === 'keep') return { tagName, attribs: { ...rest, src } };
          imagesBlocked++;
          return { tagName, attribs: { ...rest, 'data-image-blocked': 'remote' } };
        }
        if (DATA_IMAGE.test(src)) return { tagName, attribs: { ...rest, src } };
        return { tagName, attribs: rest };
      },
    },
  });
  return { html: clean, imagesBlocked };
}
