/**
 * Messages whose previews the IMAP and POP3 preview tests check, each with
 * the preview expected: the first 200 characters of its text, whitespace
 * collapsed, or null.
 */

const header = (subject: string, extra: string[] = []) => [
  'From: Sender <sender@example.com>',
  'To: Recipient <rcpt@example.org>',
  `Subject: ${subject}`,
  'Date: Tue, 03 Nov 2026 10:00:00 +0000',
  'MIME-Version: 1.0',
  ...extra,
  '',
];

const lines = (parts: string[]) => Buffer.from(parts.join('\r\n'), 'latin1');

const PLAIN_BODY = [
  'Hello Alice,',
  '',
  '   the quarterly   figures are in.\tPlease review them before Friday;',
  'we meet at 10:00 in room 4.',
  '',
  ...Array.from({ length: 8 }, (_, i) => `Line ${i + 1} of the details that follow the opening paragraph.`),
  '',
  'Regards, Bob',
];

export const PLAIN_EXPECTED = PLAIN_BODY.join(' ').replace(/\s+/g, ' ').trim().slice(0, 200).trimEnd();

export interface PreviewCase {
  name: string;
  raw: Buffer;
  /** The preview; `'best-effort'` for broken MIME: null or some text, never an error. */
  expected: string | null | 'best-effort';
}

export const PREVIEW_CASES: PreviewCase[] = [
  {
    name: 'plain text',
    raw: lines([...header('plain', ['Content-Type: text/plain; charset=us-ascii']), ...PLAIN_BODY, '']),
    expected: PLAIN_EXPECTED,
  },
  {
    name: 'HTML only',
    raw: lines([
      ...header('html', ['Content-Type: text/html; charset=utf-8']),
      '<html><head><style>p { color: red; }</style></head>',
      '<body><p>Hello <b>HTML</b>   reader,</p>',
      '<p>see <a href="https://example.com/offer">our offer</a> today</p></body></html>',
      '',
    ]),
    expected: 'Hello HTML reader, see our offer today',
  },
  {
    name: 'quoted-printable ISO-8859-1',
    raw: lines([
      ...header('qp', [
        'Content-Type: text/plain; charset=iso-8859-1',
        'Content-Transfer-Encoding: quoted-printable',
      ]),
      'Gr=FC=DFe aus K=F6ln! Die Stra=DFe ist gesperrt, bitte den Umweg =FCber die Br=FC=',
      'cke nehmen.',
      '',
    ]),
    expected: 'Grüße aus Köln! Die Straße ist gesperrt, bitte den Umweg über die Brücke nehmen.',
  },
  {
    name: 'base64 UTF-8',
    raw: lines([
      ...header('b64', ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64']),
      ...(Buffer.from('Привет! Встреча в пятницу — 東京で会いましょう ✓')
        .toString('base64')
        .match(/.{1,76}/g) ?? []),
      '',
    ]),
    expected: 'Привет! Встреча в пятницу — 東京で会いましょう ✓',
  },
  {
    name: 'multipart/alternative',
    raw: lines([
      ...header('alt', ['Content-Type: multipart/alternative; boundary="alt-1"']),
      'This is a multi-part message in MIME format.',
      '',
      '--alt-1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Plain part of the alternative.',
      '--alt-1',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>HTML part of the alternative.</p>',
      '--alt-1--',
      '',
    ]),
    expected: 'Plain part of the alternative.',
  },
  {
    name: 'only an attachment',
    raw: lines([
      ...header('attachment', ['Content-Type: multipart/mixed; boundary="mix-1"']),
      '--mix-1',
      'Content-Type: application/pdf; name="report.pdf"',
      'Content-Disposition: attachment; filename="report.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      'JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K',
      '--mix-1--',
      '',
    ]),
    expected: null,
  },
  {
    name: 'broken MIME (a boundary that never comes, bad base64)',
    raw: lines([
      ...header('broken', ['Content-Type: multipart/mixed; boundary="never-there"']),
      '--something-else',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      '!!!%%% not base64 at all ***',
      '--something-else--',
      '',
    ]),
    expected: 'best-effort',
  },
  {
    name: 'broken base64 text part',
    raw: lines([
      ...header('bad-b64', ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64']),
      '****====****',
      '',
    ]),
    expected: 'best-effort',
  },
];

/**
 * A newsletter as mail clients send them: multipart/alternative, a 3 KB
 * quoted-printable text part and a 10 KB HTML part, so a 2 KiB body prefix
 * is read in full. The list-cost test and the benchmark use it.
 */
export function newsletter(i: number): Buffer {
  const boundary = `=_digest_${i}_b0undary`;
  const qp = (text: string) =>
    text
      .split('\n')
      .map((line) => {
        const tokens = Buffer.from(line)
          .toString('latin1')
          .split('')
          .map((ch) =>
            /[=\u0080-\u00ff]/.test(ch) ? `=${ch.charCodeAt(0).toString(16).toUpperCase()}` : ch,
          );
        const wrapped: string[] = [''];
        for (const token of tokens) {
          if (wrapped[wrapped.length - 1]!.length + token.length > 75) wrapped.push('');
          wrapped[wrapped.length - 1] += token;
        }
        return wrapped.join('=\r\n');
      })
      .join('\r\n');
  const paragraph = (n: number) =>
    `Paragraph ${n} of issue ${i}: the café on Main Street reopens next week with a new menu, longer hours and a terrace.`;
  const text = Array.from({ length: 28 }, (_, n) => paragraph(n + 1)).join('\n\n');
  const html = `<html><head><style>body{font-family:sans-serif} .x{color:#333}</style></head><body>${Array.from(
    { length: 60 },
    (_, n) => `<p class="x">${paragraph(n + 1)} <a href="https://example.com/${i}/${n}">Read more</a></p>`,
  ).join('\n')}</body></html>`;
  return Buffer.from(
    [
      `From: Digest ${i} <digest@example.com>`,
      'To: reader@example.org',
      `Subject: Weekly digest ${i}`,
      'Date: Tue, 03 Nov 2026 10:00:00 +0000',
      `Message-ID: <digest-${i}@example.com>`,
      'MIME-Version: 1.0',
      `Content-Type: multipart/alternative; boundary="${boundary}"`,
      '',
      'This is a multi-part message in MIME format.',
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      qp(text),
      `--${boundary}`,
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      qp(html),
      `--${boundary}--`,
      '',
    ].join('\r\n'),
    'latin1',
  );
}

/** The preview `newsletter(i)` has. */
export function newsletterPreview(i: number): string {
  const text = `Paragraph 1 of issue ${i}: the café on Main Street reopens next week with a new menu, longer hours and a terrace. Paragraph 2 of issue ${i}: the café on Main Street reopens next week with a new menu, longer hours and a terrace.`;
  return text.slice(0, 200).trimEnd();
}
