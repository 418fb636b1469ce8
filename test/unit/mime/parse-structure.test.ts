import { describe, expect, it } from 'vitest';
import { type ParsedMimeNode, parseMimeTree } from '../../../lib/mime/index.js';

const crlf = (...lines: string[]) => Buffer.from(lines.join('\r\n'), 'utf8');

/** [part, type] for every node, depth first. */
function outline(node: ParsedMimeNode): Array<[string, string]> {
  return [[node.part, node.type], ...node.children.flatMap(outline)];
}

function find(node: ParsedMimeNode, part: string, type?: string): ParsedMimeNode {
  const all: ParsedMimeNode[] = [];
  const walk = (n: ParsedMimeNode) => {
    all.push(n);
    n.children.forEach(walk);
  };
  walk(node);
  const hit = all.find((n) => n.part === part && (type === undefined || n.type === type));
  if (!hit) throw new Error(`no part ${part}`);
  return hit;
}

const body = (raw: Buffer, node: ParsedMimeNode) => raw.subarray(node.bodyStart, node.bodyEnd).toString();

const nested = crlf(
  'Subject: nested',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  'preamble',
  '--outer',
  'Content-Type: multipart/alternative; boundary=inner',
  '',
  '--inner',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'plain text',
  '--inner',
  'Content-Type: text/html',
  '',
  '<p>html</p>',
  '--inner--',
  '--outer',
  'Content-Type: message/rfc822',
  '',
  'Subject: attached',
  'Content-Type: multipart/mixed; boundary=att',
  '',
  '--att',
  '',
  'attached text',
  '--att',
  'Content-Type: application/pdf',
  'Content-Transfer-Encoding: base64',
  '',
  'JVBERg==',
  '--att--',
  '--outer',
  'Content-Type: message/rfc822',
  '',
  'Subject: simple',
  '',
  'simple body',
  '--outer--',
  'epilogue',
  '',
);

describe('parseMimeTree numbering (RFC 9051 §6.4.5)', () => {
  it('numbers a single-part message body "1"', () => {
    const raw = crlf('Subject: hi', '', 'hello', '');
    const root = parseMimeTree(raw);
    expect(outline(root)).toEqual([['1', 'text/plain']]);
    expect(root.params).toEqual({ charset: 'us-ascii' });
    expect(body(raw, root)).toBe('hello\r\n');
    expect(root.size).toBe(7);
  });

  it('numbers nested multiparts and attached messages like BODYSTRUCTURE', () => {
    expect(outline(parseMimeTree(nested))).toEqual([
      ['', 'multipart/mixed'],
      ['1', 'multipart/alternative'],
      ['1.1', 'text/plain'],
      ['1.2', 'text/html'],
      ['2', 'message/rfc822'],
      ['2', 'multipart/mixed'],
      ['2.1', 'text/plain'],
      ['2.2', 'application/pdf'],
      ['3', 'message/rfc822'],
      ['3.1', 'text/plain'],
    ]);
  });

  it('gives each part the bytes between its delimiters, without the CRLF before the next one', () => {
    const root = parseMimeTree(nested);
    expect(body(nested, find(root, '1.1'))).toBe('plain text');
    expect(body(nested, find(root, '1.2'))).toBe('<p>html</p>');
    expect(body(nested, find(root, '2.1'))).toBe('attached text');
    expect(body(nested, find(root, '2.2'))).toBe('JVBERg==');
    expect(body(nested, find(root, '3.1'))).toBe('simple body');
    expect(find(root, '2.2').size).toBe(8);
    expect(find(root, '2.2').encoding).toBe('base64');
    expect(find(root, '1.1').params).toEqual({ charset: 'utf-8' });
  });

  it('points headerStart at the part headers and keeps them parsed', () => {
    const root = parseMimeTree(nested);
    const html = find(root, '1.2');
    expect(nested.subarray(html.headerStart, html.bodyStart).toString()).toBe(
      'Content-Type: text/html\r\n\r\n',
    );
    const attached = find(root, '2', 'message/rfc822');
    expect(body(nested, attached).startsWith('Subject: attached\r\n')).toBe(true);
    expect(attached.children[0]!.headers.map((h) => h.value)).toContain('attached');
  });
});

describe('parseMimeTree with broken MIME', () => {
  it('splits at a boundary of up to 256 characters, and treats a longer one as no boundary (RFC 2046 allows 70)', () => {
    const message = (boundary: string) =>
      crlf(
        `Content-Type: multipart/mixed; boundary="${boundary}"`,
        '',
        `--${boundary}`,
        'Content-Type: text/plain',
        '',
        'one',
        `--${boundary}`,
        'Content-Type: text/html',
        '',
        '<p>two</p>',
        `--${boundary}--`,
        '',
      );
    expect(outline(parseMimeTree(message('b'.repeat(256))))).toEqual([
      ['', 'multipart/mixed'],
      ['1', 'text/plain'],
      ['2', 'text/html'],
    ]);
    // A 60 KB boundary made the delimiter search take hundreds of milliseconds on a 200 KB message.
    const long = parseMimeTree(message('b'.repeat(257)));
    expect(outline(long)).toEqual([
      ['', 'multipart/mixed'],
      ['1', 'text/plain'],
    ]);
    expect(long.children[0]!.bodyStart).toBe(long.bodyStart);
  });

  it('survives a missing close delimiter: the last part runs to the end', () => {
    const raw = crlf('Content-Type: multipart/mixed; boundary=b', '', '--b', '', 'one', '--b', '', 'two', '');
    const root = parseMimeTree(raw);
    expect(outline(root)).toEqual([
      ['', 'multipart/mixed'],
      ['1', 'text/plain'],
      ['2', 'text/plain'],
    ]);
    expect(body(raw, root.children[1]!)).toBe('two\r\n');
  });

  it('reads LF-only messages and whitespace after delimiters', () => {
    const raw = Buffer.from(
      'Content-Type: multipart/mixed; boundary=b\n\n--b  \nContent-Type: text/html\n\n<b>x</b>\n--b\t\n\nsecond\n--b-- \nepilogue\n',
    );
    const root = parseMimeTree(raw);
    expect(root.children.map((c) => [c.part, c.type, body(raw, c)])).toEqual([
      ['1', 'text/html', '<b>x</b>'],
      ['2', 'text/plain', 'second'],
    ]);
  });

  it('does not take a longer boundary that starts with the same text for a delimiter', () => {
    const raw = crlf(
      'Content-Type: multipart/mixed; boundary=b',
      '',
      '--b',
      '',
      'x',
      '--bb',
      'y',
      '--b--',
      '',
    );
    const root = parseMimeTree(raw);
    expect(root.children).toHaveLength(1);
    expect(body(raw, root.children[0]!)).toBe('x\r\n--bb\r\ny');
  });

  it('defaults parts of a multipart/digest to message/rfc822', () => {
    const raw = crlf(
      'Content-Type: multipart/digest; boundary=d',
      '',
      '--d',
      '',
      'Subject: one',
      '',
      'body',
      '--d--',
      '',
    );
    expect(outline(parseMimeTree(raw))).toEqual([
      ['', 'multipart/digest'],
      ['1', 'message/rfc822'],
      ['1.1', 'text/plain'],
    ]);
  });

  it('gives a multipart without a boundary one plain-text part holding its body', () => {
    const raw = crlf('Content-Type: multipart/mixed', '', 'just text', '');
    const root = parseMimeTree(raw);
    expect(outline(root)).toEqual([
      ['', 'multipart/mixed'],
      ['1', 'text/plain'],
    ]);
    expect(body(raw, root.children[0]!)).toBe('just text\r\n');
  });

  it('falls back to text/plain for a malformed Content-Type and keeps the disposition and id', () => {
    const raw = crlf(
      'Content-Type: multipart/mixed; boundary=b',
      '',
      '--b',
      'Content-Type: garbage',
      'Content-Disposition: ATTACHMENT; filename="n.txt"',
      'Content-ID: <id1@x.test>',
      '',
      'data',
      '--b--',
    );
    const part = parseMimeTree(raw).children[0]!;
    expect(part).toMatchObject({
      part: '1',
      type: 'text/plain',
      params: { charset: 'us-ascii' },
      disposition: 'attachment',
      dispositionParams: { filename: 'n.txt' },
      contentId: 'id1@x.test',
      encoding: '7bit',
    });
  });

  it('handles a part with headers but no body and a message with no body', () => {
    const raw = crlf(
      'Content-Type: multipart/mixed; boundary=b',
      '',
      '--b',
      'Content-Type: text/plain',
      '--b--',
    );
    const part = parseMimeTree(raw).children[0]!;
    expect(part.size).toBe(0);
    const bare = parseMimeTree(crlf('Subject: only headers'));
    expect([bare.part, bare.size]).toEqual(['1', 0]);
  });

  it('does not overflow the stack on absurd nesting', () => {
    const depth = 2000;
    const lines: string[] = [];
    for (let i = 0; i < depth; i++)
      lines.push(`Content-Type: multipart/mixed; boundary=b${i}`, '', `--b${i}`);
    lines.push('', 'deep');
    expect(() => parseMimeTree(crlf(...lines))).not.toThrow();
  });

  it('describes at most 1,000 parts; the last one runs to the end', () => {
    const raw = Buffer.from(`Content-Type: multipart/mixed; boundary=b\r\n\r\n${'\r\n--b'.repeat(200_000)}`);
    const root = parseMimeTree(raw);
    expect(root.children).toHaveLength(999);
    expect(root.children.at(-1)!.bodyEnd).toBe(raw.length);
  });

  it('finds delimiters in linear time when the body is made of the boundary itself', () => {
    const boundary = '-'.repeat(16_000);
    const raw = Buffer.from(
      `Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n--${boundary}\r\nx\r\n${'-'.repeat(1 << 20)}`,
    );
    const started = performance.now();
    expect(parseMimeTree(raw).children).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('never throws on mangled input and keeps every part inside its parent', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const check = (node: ParsedMimeNode, start: number, end: number) => {
      expect(start <= node.headerStart && node.headerStart <= node.bodyStart).toBe(true);
      expect(node.bodyStart <= node.bodyEnd && node.bodyEnd <= end).toBe(true);
      expect(node.size).toBe(node.bodyEnd - node.bodyStart);
      for (const child of node.children) check(child, node.bodyStart, node.bodyEnd);
    };
    for (let round = 0; round < 300; round++) {
      const raw = Buffer.from(nested);
      for (let k = 0; k < 8; k++)
        raw[Math.floor(random() * raw.length)] = [0x0a, 0x0d, 0x2d, 0x3a, 0x20][k % 5]!;
      const cut = raw.subarray(0, Math.floor(random() * raw.length));
      const root = parseMimeTree(cut);
      check(root, 0, cut.length);
    }
  });
});
