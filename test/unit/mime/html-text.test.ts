import { describe, expect, it } from 'vitest';
import { textFromHtml } from '../../../lib/mime/html-text.js';

describe('textFromHtml', () => {
  it('turns a newsletter into readable text: blocks on lines, links with their URL, no images, scripts or styles', () => {
    const { text, truncated } = textFromHtml(
      '<html><head><title>Title</title><style>p { color: red }</style></head><body>' +
        '<h1>Spring sale</h1><script>var secret = 1;</script>' +
        '<table><tr><td>Shoes</td><td>Hats</td></tr></table>' +
        '<p>Read <a href="https://shop.example/blog">our blog</a> or visit <a href="https://shop.example/">https://shop.example/</a>.' +
        '<img src="cid:logo@x" alt="Shop logo"></p><ul><li>one</li><li>two</li></ul></body></html>',
      10_000,
    );
    expect(truncated).toBe(false);
    expect(text).toBe(
      'Spring sale\n\nShoes\n\nHats\n\nRead our blog [https://shop.example/blog] or visit https://shop.example/.\n\n * one\n * two',
    );
  });

  it('decodes entities and keeps non-ASCII text', () => {
    expect(textFromHtml('<p>Gr&uuml;&szlig;e &amp; &lt;3 — 日本</p>', 1000).text).toBe('Grüße & <3 — 日本');
  });

  it('cuts at the byte budget without splitting a character, and says so', () => {
    const { text, truncated } = textFromHtml(`<p>${'é'.repeat(100)}</p>`, 51);
    expect(truncated).toBe(true);
    expect(text).toBe('é'.repeat(25));
  });

  it('finishes on 1 MiB of unclosed tags with bounded output', () => {
    const html = '<div><b>x'.repeat(Math.floor((1024 * 1024) / 9));
    const { text } = textFromHtml(html, 2 * 1024 * 1024);
    expect(text.length).toBeGreaterThan(0);
    expect(text.length).toBeLessThanOrEqual(html.length);
  });
});
