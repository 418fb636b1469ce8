import { describe, expect, it } from 'vitest';
import {
  collapsePreview,
  PREVIEW_CHARS,
  previewFromBody,
  previewFromBodyPrefix,
  previewFromHtml,
  previewFromMessage,
} from '../../../lib/mime/preview.js';
import type { MimeNode } from '../../../lib/mime/types.js';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');

function node(type: string, params: Record<string, string> = {}, encoding = '7bit'): MimeNode {
  return {
    part: '1',
    type,
    params,
    disposition: null,
    dispositionParams: {},
    contentId: null,
    encoding,
    size: 0,
    children: [],
  };
}

describe('collapsePreview', () => {
  it('collapses whitespace, trims and drops invisible padding', () => {
    expect(collapsePreview('  Hello\r\n\t  world \u00a0 again\u200b\u034f  ')).toBe('Hello world again');
  });

  it('is null for nothing but whitespace', () => {
    expect(collapsePreview(' \r\n\t ')).toBeNull();
    expect(collapsePreview('')).toBeNull();
    expect(collapsePreview(null)).toBeNull();
  });

  it(`cuts to ${PREVIEW_CHARS} code units, never inside a surrogate pair`, () => {
    const long = 'word '.repeat(100);
    expect(collapsePreview(long)).toBe(long.slice(0, PREVIEW_CHARS).trimEnd());
    const emoji = `${'a'.repeat(PREVIEW_CHARS - 1)}😀tail`;
    const cut = collapsePreview(emoji)!;
    expect(cut).toBe('a'.repeat(PREVIEW_CHARS - 1));
    expect(cut.length).toBeLessThanOrEqual(PREVIEW_CHARS);
  });
});

describe('previewFromHtml', () => {
  it('gives the text without tags, styles, scripts, images or link targets', () => {
    const html =
      '<html><head><title>T</title><style>p{color:red}</style></head><body><script>alert(1)</script>' +
      '<p>Hello <b>there</b> &amp; <a href="https://x.example/">see this</a></p><img src="a.png" alt="pic"><div>Next</div></body></html>';
    expect(previewFromHtml(html)).toBe('Hello there & see this Next');
  });

  it('reads 64 K characters of unclosed tags (nesting bounded before the parser) and keeps the text', () => {
    const html = `${'<p><b><i>'.repeat(7000)}deep text`;
    expect(previewFromHtml(html)).toBe('deep text');
  });

  it('reads a fragment cut in the middle of a tag', () => {
    expect(previewFromHtml('<p>Start of the text</p><p>more <a hre')).toBe('Start of the text more');
  });
});

describe('previewFromBody', () => {
  it('decodes quoted-printable ISO-8859-1', () => {
    const bytes = Buffer.from('Gr=FC=DFe aus K=F6ln,=\r\n bis bald', 'latin1');
    expect(
      previewFromBody(bytes, { type: 'text/plain', charset: 'iso-8859-1', encoding: 'quoted-printable' }),
    ).toBe('Grüße aus Köln, bis bald');
  });

  it('decodes base64 UTF-8, dropping a character cut at the end of a prefix', () => {
    const encoded = Buffer.from('Привет, мир! ✓').toString('base64');
    expect(
      previewFromBody(Buffer.from(encoded), { type: 'text/plain', charset: 'utf-8', encoding: 'base64' }),
    ).toBe('Привет, мир! ✓');
    // Cut after 5 base64 characters: 3 whole bytes (one and a half Cyrillic letters).
    expect(
      previewFromBody(
        Buffer.from(encoded.slice(0, 5)),
        { type: 'text/plain', charset: 'utf-8', encoding: 'base64' },
        true,
      ),
    ).toBe('П');
  });

  it('drops a quoted-printable escape cut short', () => {
    expect(
      previewFromBody(
        Buffer.from('caf=E9 au lait =E', 'latin1'),
        { type: 'text/plain', charset: 'iso-8859-1', encoding: 'quoted-printable' },
        true,
      ),
    ).toBe('café au lait');
  });

  it('never throws on broken base64, an unknown charset or a non-text type', () => {
    expect(() =>
      previewFromBody(Buffer.from('!!!not base64***'), {
        type: 'text/plain',
        charset: 'x-unknown',
        encoding: 'base64',
      }),
    ).not.toThrow();
    expect(previewFromBody(Buffer.from('abc'), { type: 'image/png', encoding: 'base64' })).toBeNull();
  });
});

describe('previewFromMessage', () => {
  it('takes the plain text of a multipart/alternative', () => {
    const raw = crlf([
      'Content-Type: multipart/alternative; boundary="b1"',
      '',
      'This is a multi-part message in MIME format.',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Plain   version',
      '--b1',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>HTML version</p>',
      '--b1--',
      '',
    ]);
    expect(previewFromMessage(raw)).toBe('Plain version');
  });

  it('takes the HTML of an HTML-only message', () => {
    const raw = crlf(['Content-Type: text/html', '', '<div>Only <i>HTML</i></div>', '']);
    expect(previewFromMessage(raw)).toBe('Only HTML');
  });

  it('is null for a message with only an attachment', () => {
    const raw = crlf([
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: application/pdf; name="a.pdf"',
      'Content-Disposition: attachment; filename="a.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      'JVBERi0xLjQK',
      '--b--',
      '',
    ]);
    expect(previewFromMessage(raw)).toBeNull();
  });

  it('drops a delimiter line cut short at the end of what was read', () => {
    const raw = crlf([
      'Content-Type: multipart/mixed; boundary="boundary-42"',
      '',
      '--boundary-42',
      '',
      'Short text',
      '--bound',
    ]);
    expect(previewFromMessage(raw, true)).toBe('Short text');
  });

  it('never throws on a broken boundary', () => {
    const raw = crlf(['Content-Type: multipart/mixed; boundary=', '', '--', 'garbage', '--x--']);
    expect(() => previewFromMessage(raw)).not.toThrow();
  });
});

describe('previewFromBodyPrefix', () => {
  it('reads the start of a multipart body with the boundary BODYSTRUCTURE gives', () => {
    const root = node('multipart/alternative', { boundary: 'zz' });
    root.part = '';
    const body = crlf([
      '--zz',
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Ol=E1 mundo',
      '--zz',
      'Content-Type: text/ht',
    ]);
    expect(previewFromBodyPrefix(root, body, true)).toBe('Olá mundo');
  });

  it('reads a single-part body with the root charset and encoding', () => {
    const root = node('text/plain', { charset: 'utf-8' }, 'base64');
    expect(previewFromBodyPrefix(root, Buffer.from(Buffer.from('Grüße').toString('base64')), false)).toBe(
      'Grüße',
    );
  });
});
