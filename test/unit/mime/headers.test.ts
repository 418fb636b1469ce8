import { describe, expect, it } from 'vitest';
import {
  getHeader,
  getHeaders,
  parseAddressList,
  parseHeaderBlock,
  parseHeaderDate,
  parseMessageIds,
  summarizeHeaders,
} from '../../../lib/mime/index.js';

const crlf = (...lines: string[]) => Buffer.from(lines.join('\r\n'), 'utf8');

describe('parseHeaderBlock', () => {
  it('splits the header block at the first empty line and unfolds values', () => {
    const raw = crlf(
      'Subject: a long',
      '\tfolded  subject',
      'X-Empty:',
      'To: a@x.test',
      '',
      'Body: not a header',
      '',
    );
    const { headers, bodyStart } = parseHeaderBlock(raw);
    expect(headers.map((h) => [h.name, h.value])).toEqual([
      ['Subject', 'a long\tfolded  subject'],
      ['X-Empty', ''],
      ['To', 'a@x.test'],
    ]);
    expect(raw.subarray(bodyStart).toString()).toBe('Body: not a header\r\n');
  });

  it('keeps the raw bytes of each field, folding included', () => {
    const raw = crlf('Subject: one', ' two', 'From: Gr\u00fc\u00dfe <g@x.test>', '', '');
    const { headers } = parseHeaderBlock(raw);
    expect(headers[0]!.raw.toString()).toBe('Subject: one\r\n two\r\n');
    expect(headers[1]!.raw.equals(Buffer.from('From: Gr\u00fc\u00dfe <g@x.test>\r\n', 'utf8'))).toBe(true);
  });

  it('handles bare LF line breaks', () => {
    const raw = Buffer.from('Subject: lf\n  only\nTo: b@x.test\n\nbody\n');
    const { headers, bodyStart } = parseHeaderBlock(raw);
    expect(getHeader(headers, 'subject')).toBe('lf  only');
    expect(raw.subarray(bodyStart).toString()).toBe('body\n');
  });

  it('treats a message without an empty line as all header and no body', () => {
    const raw = crlf('Subject: no body', 'To: c@x.test');
    const { headers, bodyStart } = parseHeaderBlock(raw);
    expect(headers).toHaveLength(2);
    expect(bodyStart).toBe(raw.length);
  });

  it('reads 8-bit Latin-1 header bytes best-effort', () => {
    const raw = Buffer.from('Subject: caf\xe9\r\n\r\n', 'latin1');
    expect(getHeader(parseHeaderBlock(raw).headers, 'Subject')).toBe('café');
  });

  it('skips an mbox From line and stray continuation lines, and stops at body text', () => {
    const raw = crlf(
      'From someone@x.test Sat Jan  3 01:05:34 1996',
      '  stray',
      'Subject: s',
      'plain body text',
      '',
    );
    const { headers, bodyStart } = parseHeaderBlock(raw);
    expect(headers.map((h) => h.key)).toEqual(['subject']);
    expect(raw.subarray(bodyStart).toString()).toBe('plain body text\r\n');
  });

  it('returns every occurrence of a repeated field in order', () => {
    const { headers } = parseHeaderBlock(crlf('Received: one', 'Received: two', '', ''));
    expect(getHeaders(headers, 'RECEIVED')).toEqual(['one', 'two']);
  });
});

describe('parseAddressList', () => {
  it.each([
    ['a@x.test', [{ name: null, address: 'a@x.test' }]],
    ['"Doe, John" <john@x.test>', [{ name: 'Doe, John', address: 'john@x.test' }]],
    [
      'Team: a@x.test, "B" <b@x.test>;, c@x.test',
      [
        { name: null, address: 'a@x.test' },
        { name: 'B', address: 'b@x.test' },
        { name: null, address: 'c@x.test' },
      ],
    ],
    ['undisclosed-recipients:;', []],
    ['=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@x.test>', [{ name: 'Jürgen Müller', address: 'jm@x.test' }]],
    ['jane@x.test (Jane Roe)', [{ name: 'Jane Roe', address: 'jane@x.test' }]],
    ['John Doe', [{ name: 'John Doe', address: null }]],
    [
      'Mary <m@x.test>, , <>, n@x.test',
      [
        { name: 'Mary', address: 'm@x.test' },
        { name: null, address: 'n@x.test' },
      ],
    ],
    ['', []],
  ])('%j', (value, expected) => {
    expect(parseAddressList(value)).toEqual(expected);
  });

  it('reads at most 64 groups (colons), cut after the last whole address before the 65th', () => {
    const groups = Array.from({ length: 200 }, (_, i) => `g${i}: a${i}@x.test;`).join(', ');
    const addresses = parseAddressList(groups);
    expect(addresses).toHaveLength(64);
    expect(addresses.at(-1)).toEqual({ name: null, address: 'a63@x.test' });
    // A value of colons only (postal-mime re-reads it once per colon) is cut the same way.
    expect(parseAddressList(`${':t'.repeat(20_000)}Group:`).length).toBeLessThanOrEqual(64);
  });
});

describe('parseMessageIds', () => {
  it.each([
    ['<a@x.test>', ['a@x.test']],
    ['<a@x.test> <b@x.test>\r\n <c@x.test>', ['a@x.test', 'b@x.test', 'c@x.test']],
    ['<a@x.test>,<b@x.test>', ['a@x.test', 'b@x.test']],
    ['Your message of Mon <a@x.test> (comment)', ['a@x.test']],
    ['bare@x.test', ['bare@x.test']],
    ['', []],
  ])('%j', (value, expected) => {
    expect(parseMessageIds(value)).toEqual(expected);
  });
});

describe('parseHeaderDate', () => {
  it.each([
    ['Tue, 1 Jul 2003 10:52:37 +0200', '2003-07-01T08:52:37.000Z'],
    ['1 Jul 2003 10:52 -0000', '2003-07-01T10:52:00.000Z'],
    ['Fri, 21 Nov 97 09:55:06 GMT', '1997-11-21T09:55:06.000Z'],
    ['Thu, 13 Feb 1969 23:32 -0330 (Newfoundland Time)', '1969-02-14T03:02:00.000Z'],
    ['Wed, 17 Jul 1996 02:23:25 PDT', '1996-07-17T09:23:25.000Z'],
    ['Mon, 5 Jan 2015 01:02:03 +0000 (UTC)', '2015-01-05T01:02:03.000Z'],
    ['Tue Jul  1 10:52:37 2003', '2003-07-01T10:52:37.000Z'],
    ['not a date', null],
    ['Mon, 31 Feb 2003 10:00:00 +0000', null],
    [null, null],
  ])('%j', (value, expected) => {
    expect(parseHeaderDate(value)).toBe(expected);
  });
});

describe('summarizeHeaders', () => {
  it('gives the MessageSummary header fields', () => {
    const raw = crlf(
      'From: =?UTF-8?Q?Ren=C3=A9?= <rene@x.test>',
      'To: a@x.test, "B" <b@x.test>',
      'To: c@x.test',
      'Cc: Team: d@x.test;',
      'Reply-To: list@x.test',
      'Subject: =?UTF-8?B?w6l0w6k=?= plans',
      'Date: Tue, 1 Jul 2003 10:52:37 +0200',
      'Message-ID: <m1@x.test>',
      'In-Reply-To: <m0@x.test>',
      'References: <r1@x.test>\r\n <m0@x.test>',
      '',
      '',
    );
    expect(summarizeHeaders(parseHeaderBlock(raw).headers)).toEqual({
      subject: 'été plans',
      from: { name: 'René', address: 'rene@x.test' },
      to: [
        { name: null, address: 'a@x.test' },
        { name: 'B', address: 'b@x.test' },
        { name: null, address: 'c@x.test' },
      ],
      cc: [{ name: null, address: 'd@x.test' }],
      bcc: [],
      replyTo: [{ name: null, address: 'list@x.test' }],
      date: '2003-07-01T08:52:37.000Z',
      messageId: 'm1@x.test',
      inReplyTo: 'm0@x.test',
      references: ['r1@x.test', 'm0@x.test'],
    });
  });

  it('gives nulls and empty lists for a bare header block', () => {
    expect(summarizeHeaders([])).toEqual({
      subject: null,
      from: null,
      to: [],
      cc: [],
      bcc: [],
      replyTo: [],
      date: null,
      messageId: null,
      inReplyTo: null,
      references: [],
    });
  });
});
