import { type ChildNode, type Element, isTag } from 'domhandler';
import { parseDocument } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import {
  boundHtml,
  MAX_HTML_DEPTH,
  type SafeHtmlOptions,
  sanitizeMessageHtml,
} from '../../../lib/mime/safe-html.js';
import { xssVectors } from '../../fixtures/xss/vectors.js';

const LOGO_URL = 'http://127.0.0.1:9/v1/accounts/a/messages/m/attachments/2';
const options: SafeHtmlOptions = {
  images: 'block',
  cidUrl: (contentId) => (contentId === 'logo@example' ? LOGO_URL : null),
};

function elements(nodes: ChildNode[]): Element[] {
  return nodes.flatMap((node) => (isTag(node) ? [node, ...elements(node.children)] : []));
}

function parse(html: string): Element[] {
  return elements(parseDocument(html).children);
}

function depth(nodes: ChildNode[]): number {
  let deepest = 0;
  // An explicit stack: the document under test may nest deeper than the call stack allows.
  const stack: Array<[ChildNode, number]> = nodes.map((node) => [node, 1]);
  while (stack.length > 0) {
    const [node, level] = stack.pop()!;
    if (!isTag(node)) continue;
    deepest = Math.max(deepest, level);
    for (const child of node.children) stack.push([child, level + 1]);
  }
  return deepest;
}

const BANNED_ELEMENTS = [
  'script',
  'style',
  'link',
  'meta',
  'base',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'form',
  'input',
  'button',
  'select',
  'option',
  'textarea',
  'isindex',
  'keygen',
  'svg',
  'math',
  'template',
  'noscript',
  'xmp',
  'plaintext',
  'video',
  'audio',
  'source',
  'picture',
  'marquee',
  'bgsound',
  'xml',
  'html',
  'head',
  'body',
  'title',
  'details',
  'dialog',
];
const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'cite',
  'action',
  'formaction',
  'background',
  'poster',
  'srcset',
  'data',
]);

/** Everything the output may hold, checked on its parse tree. */
function expectSafe(html: string, label: string, remoteImages: boolean) {
  expect(html, label).not.toMatch(/<\s*\/?\s*(script|style|iframe|object|embed|svg|math)\b/i);
  for (const node of parse(html)) {
    expect(BANNED_ELEMENTS, `${label}: <${node.name}>`).not.toContain(node.name);
    for (const [name, value] of Object.entries(node.attribs)) {
      const where = `${label}: <${node.name} ${name}="${value}">`;
      expect(name.startsWith('on'), where).toBe(false);
      expect(
        ['id', 'name', 'class', 'srcset', 'background', 'xlink:href', 'formaction', 'action'],
        where,
      ).not.toContain(name);
      if (URL_ATTRIBUTES.has(name)) {
        if (node.name === 'img' && name === 'src') {
          const allowed = remoteImages
            ? /^(https?:\/\/|data:image\/(png|gif|jpeg|webp)[;,])/i
            : /^(http:\/\/127\.0\.0\.1:9\/|data:image\/(png|gif|jpeg|webp)[;,])/i;
          expect(value, where).toMatch(allowed);
        } else {
          expect(value, where).toMatch(/^(https?:\/\/|mailto:|tel:)/i);
        }
      }
      if (name === 'style') {
        expect(value, where).not.toMatch(
          /url\s*\(|expression|@import|position|behavior|binding|\\|javascript/i,
        );
      }
      if (name === 'target') expect(value, where).toBe('_blank');
    }
    if (node.name === 'a' && node.attribs.href !== undefined) {
      expect(node.attribs.rel, label).toBe('noopener noreferrer');
      expect(node.attribs.target, label).toBe('_blank');
    }
  }
}

describe('sanitizeMessageHtml on the XSS corpus', () => {
  const vectors = xssVectors();

  it('has the lists in test/fixtures/xss', () => {
    expect(vectors.length).toBeGreaterThan(200);
  });

  it.each(vectors.map((vector) => [vector.name, vector.html]))('%s', (name, html) => {
    const safe = sanitizeMessageHtml(html, options);
    expectSafe(safe.html, name, false);
    // Sanitising the output again changes nothing a browser would run.
    expectSafe(sanitizeMessageHtml(safe.html, options).html, `${name} (again)`, false);
    // Kept remote images are the only difference images=keep makes.
    expectSafe(sanitizeMessageHtml(html, { ...options, images: 'keep' }).html, `${name} (keep)`, true);
  });
});

describe('sanitizeMessageHtml', () => {
  it('rewrites cid: images to the part download URL and drops an unknown cid', () => {
    const safe = sanitizeMessageHtml(
      '<img src="cid:logo@example" alt="Logo"><img src="CID:logo%40example"><img src="cid:missing@example" alt="m">',
      options,
    );
    expect(parse(safe.html).map((node) => node.attribs)).toEqual([
      { src: LOGO_URL, alt: 'Logo' },
      { src: LOGO_URL },
      { alt: 'm' },
    ]);
    expect(safe.imagesBlocked).toBe(0);
  });

  it('blocks and counts remote images by default, keeps them with images=keep', () => {
    const html =
      '<img src="http://a.example/1.png" alt="one" width="10" height="20"><img src=" https://b.example/2.png">' +
      '<img src="data:image/png;base64,iVBORw0KGgo=">';
    const blocked = sanitizeMessageHtml(html, options);
    expect(blocked.imagesBlocked).toBe(2);
    expect(parse(blocked.html).map((node) => node.attribs)).toEqual([
      { alt: 'one', width: '10', height: '20', 'data-image-blocked': 'remote' },
      { 'data-image-blocked': 'remote' },
      { src: 'data:image/png;base64,iVBORw0KGgo=' },
    ]);
    const kept = sanitizeMessageHtml(html, { ...options, images: 'keep' });
    expect(kept.imagesBlocked).toBe(0);
    expect(parse(kept.html).map((node) => node.attribs.src)).toEqual([
      'http://a.example/1.png',
      'https://b.example/2.png',
      'data:image/png;base64,iVBORw0KGgo=',
    ]);
  });

  it('allows data: images only as png, gif, jpeg or webp, and a sender cannot fake the placeholder', () => {
    const safe = sanitizeMessageHtml(
      '<img src="data:image/svg+xml,<svg onload=alert(1)>"><img src="data:text/html,x"><img src="data:image/webp;base64,AA==">' +
        '<img data-image-blocked="remote" src="data:image/gif;base64,AA==">',
      options,
    );
    expect(parse(safe.html).map((node) => node.attribs)).toEqual([
      {},
      {},
      { src: 'data:image/webp;base64,AA==' },
      { src: 'data:image/gif;base64,AA==' },
    ]);
  });

  it('keeps ordinary mail formatting: tables, inline styles within the list, links opening a new tab', () => {
    const safe = sanitizeMessageHtml(
      '<table width="600" cellpadding="0" bgcolor="#ffffff" style="border-collapse:collapse;margin:0 auto">' +
        '<tr><td align="center" style="padding:10px 20px;font-family:Arial, sans-serif;font-size:16px;color:#333;' +
        'background-color:rgb(240, 240, 240);position:absolute;background-image:url(https://x.example/a.png)">' +
        '<a href="https://shop.example/?a=1&amp;b=2" target="_self" rel="opener">Shop</a> ' +
        '<a href="mailto:help@shop.example">Mail us</a></td></tr></table>',
      options,
    );
    const nodes = parse(safe.html);
    expect(nodes.find((node) => node.name === 'table')!.attribs).toEqual({
      width: '600',
      cellpadding: '0',
      bgcolor: '#ffffff',
      style: 'border-collapse:collapse;margin:0 auto',
    });
    expect(nodes.find((node) => node.name === 'td')!.attribs).toEqual({
      align: 'center',
      style:
        'padding:10px 20px;font-family:Arial, sans-serif;font-size:16px;color:#333;background-color:rgb(240, 240, 240)',
    });
    expect(nodes.filter((node) => node.name === 'a').map((node) => node.attribs)).toEqual([
      { href: 'https://shop.example/?a=1&b=2', rel: 'noopener noreferrer', target: '_blank' },
      { href: 'mailto:help@shop.example', rel: 'noopener noreferrer', target: '_blank' },
    ]);
  });

  it('keeps each CSS property only with a plain value: no negative box sizes, no positioning, no functions', () => {
    const style = (css: string) =>
      parse(sanitizeMessageHtml(`<p style="${css}">x</p>`, options).html)[0]!.attribs.style;
    expect(style('margin:-500px 0 0 0;padding:4px;text-indent:-9999px;letter-spacing:-1px')).toBe(
      'padding:4px;text-indent:-9999px;letter-spacing:-1px',
    );
    expect(style('width:100%;height:-1px;max-width:600px;position:absolute;z-index:10;top:0')).toBe(
      'width:100%;max-width:600px',
    );
    expect(
      style('color:var(--x);background-color:attr(x);font-family:a\\62 c;color:expression(1)'),
    ).toBeUndefined();
    expect(
      style('color:#ABCDEF;border:1px solid rgb(0, 0, 0);font-weight:700;text-decoration:underline'),
    ).toBe('color:#ABCDEF;border:1px solid rgb(0, 0, 0);font-weight:700;text-decoration:underline');
  });

  it('drops <style> blocks and relative or script URLs in links', () => {
    const safe = sanitizeMessageHtml(
      '<style>p{color:red}</style><p><a href="/account">a</a><a href="#top">b</a><a href="vbscript:x">c</a></p>',
      options,
    );
    expect(safe.html).toBe('<p><a>a</a><a>b</a><a>c</a></p>');
  });

  it('finishes on a 1 MiB document of unclosed tags, at most MAX_HTML_DEPTH deep and at most 3 times its size', () => {
    for (const tag of [
      '<div>',
      '<b>',
      '<table><tr><td>',
      '<p><div></p>',
      '<a href="https://x.example/">',
      '<span x="<">',
    ]) {
      const html = tag.repeat(Math.floor((1024 * 1024) / tag.length));
      const safe = sanitizeMessageHtml(html, options);
      expect(safe.html.length).toBeLessThanOrEqual(3 * html.length);
      expect(depth(parseDocument(safe.html).children)).toBeLessThanOrEqual(MAX_HTML_DEPTH);
    }
  });
});

describe('boundHtml', () => {
  it('drops comments, declarations and raw-text elements, escapes stray brackets, quotes attributes', () => {
    expect(
      boundHtml(
        '<!DOCTYPE html><!-- <b> --><p class=x title=\'say "hi"\' hidden>a < b > c<script>x</p></script>' +
          '<style>p{}</style><br/></p><?php x ?>d',
      ),
    ).toBe('<p class="x" title="say &quot;hi&quot;" hidden="">a &lt; b &gt; c<br></p>d');
  });

  it('closes what an end tag closes and drops a start tag past the limit', () => {
    expect(boundHtml('<div><p><b>x</div>y')).toBe('<div><p><b>x</b></p></div>y');
    expect(boundHtml('<b><i><u>x', 2)).toBe('<b><i>x</i></b>');
    expect(boundHtml('<a href="x')).toBe('');
  });
});
