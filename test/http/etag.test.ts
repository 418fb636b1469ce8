import { describe, expect, it } from 'vitest';
import type { Account } from '../../lib/credentials/account.js';
import {
  downloadEtag,
  mayHoldOurTag,
  messageEtag,
  noneMatchFails,
  parseIfNoneMatch,
} from '../../lib/http/etag.js';
import { buildTestApp } from '../support/http-helpers.js';

const account: Account = {
  id: 'a',
  protocol: 'imap',
  host: 'Mail.Example.com',
  port: 993,
  tls: 'implicit',
  user: 'alice',
  password: 'secret',
};

describe('If-None-Match', () => {
  it('reads `*`, lists with empty elements, weak tags, and commas inside a tag', () => {
    expect(parseIfNoneMatch(' * ')).toBe('*');
    expect(parseIfNoneMatch('"a", W/"b",,"c,d" ,')).toEqual(['"a"', 'W/"b"', '"c,d"']);
    expect(parseIfNoneMatch('""')).toEqual(['""']);
  });

  it('ignores an absent, malformed or overlong header', () => {
    for (const header of [undefined, '', 'a', '"a', '"a" "b"', 'w/"a"', '"a";', '*, "a"', '"a\u0000"']) {
      expect(parseIfNoneMatch(header), String(header)).toBeNull();
    }
    expect(parseIfNoneMatch(`"${'x'.repeat(8200)}"`)).toBeNull();
  });

  it('tells whether a header could hold one of our tags', () => {
    const ours = '"abcdefghijklmnopqrstuvwxyz0"';
    expect(mayHoldOurTag('*')).toBe(true);
    expect(mayHoldOurTag(`"x", W/${ours}`)).toBe(true);
    expect(mayHoldOurTag(ours)).toBe(true);
    for (const header of [undefined, '"x"', '"abc", W/"def"', `${ours};`, '"abcdefghijklmnopqrstuvwxyz0+"']) {
      expect(mayHoldOurTag(header), String(header)).toBe(false);
    }
  });

  it('compares weakly: W/ on either side is ignored', () => {
    expect(noneMatchFails('W/"x"', '"x"')).toBe(true);
    expect(noneMatchFails('"x"', 'W/"x"')).toBe(true);
    expect(noneMatchFails('"y", "x"', '"x"')).toBe(true);
    expect(noneMatchFails('*', '"x"')).toBe(true);
    expect(noneMatchFails('"X"', '"x"')).toBe(false);
    expect(noneMatchFails(undefined, '"x"')).toBe(false);
  });
});

describe('entity tags', () => {
  it('are strong for downloads, weak for the message answer, 27 base64url characters, naming nothing', () => {
    const raw = downloadEtag(account, null, 'iABC', { kind: 'raw' });
    expect(raw).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    const message = messageEtag(account, null, 'iABC', 'body=both', 'https://g', ['\\Seen']);
    expect(message).toMatch(/^W\/"[A-Za-z0-9_-]{27}"$/);
    for (const tag of [raw, message]) {
      for (const secret of ['alice', 'secret', 'iABC', 'Mail']) expect(tag).not.toContain(secret);
    }
  });

  it('differ by account, server, user, mailbox scope, id and part; host case does not matter', () => {
    const tag = (a: Account, id = 'iABC', scope: Parameters<typeof downloadEtag>[1] = null) =>
      downloadEtag(a, scope, id, { kind: 'raw' });
    const base = tag(account);
    const variants = [
      tag({ ...account, id: 'b' }),
      tag({ ...account, host: 'other.example.com' }),
      tag({ ...account, user: 'bob' }),
      tag({ ...account, protocol: 'pop3' }),
      tag(account, 'iABD'),
      tag(account, 'iABC', { kind: 'path', path: 'INBOX' }),
      tag(account, 'iABC', { kind: 'role', role: 'sent' }),
      downloadEtag(account, null, 'iABC', { kind: 'attachment', attachmentId: '2' }),
      downloadEtag(account, null, 'iABC', { kind: 'attachment', attachmentId: '3' }),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
    expect(tag({ ...account, host: 'mail.example.COM', port: 143 })).toBe(base);
  });

  it('make the message tag depend on the query, the link base and the flags as a set', () => {
    const tag = (query: string, base: string, flags: string[] | null) =>
      messageEtag(account, null, 'iABC', query, base, flags);
    const seen = tag('q', 'https://g', ['\\Seen', '$Label']);
    expect(tag('q', 'https://g', ['$Label', '\\Seen', '\\Seen'])).toBe(seen);
    const others = [
      tag('q2', 'https://g', ['\\Seen', '$Label']),
      tag('q', 'https://h', ['\\Seen', '$Label']),
      tag('q', 'https://g', ['\\Seen']),
      tag('q', 'https://g', []),
      tag('q', 'https://g', null),
    ];
    expect(new Set([seen, ...others]).size).toBe(others.length + 1);
  });
});

describe('the OpenAPI document', () => {
  type Operation = {
    parameters?: Array<{ name: string; in: string; example?: unknown; schema?: { example?: unknown } }>;
    responses: Record<
      string,
      { headers?: Record<string, unknown>; content?: Record<string, { examples?: object }> }
    >;
  };

  it('documents ETag, If-None-Match and 304 on the downloads and the message read, and fields with an example', async () => {
    const { request } = buildTestApp();
    const response = await request('/openapi.json', { token: null });
    const document = (await response.json()) as { paths: Record<string, Record<string, Operation>> };
    const message = '/v1/accounts/{account}/messages/{id}';
    for (const path of [message, `${message}/raw`, `${message}/attachments/{attachmentId}`]) {
      const operation = document.paths[path]?.get;
      expect(operation, path).toBeDefined();
      expect(Object.keys(operation!.responses[200]?.headers ?? {}), path).toEqual(
        expect.arrayContaining(['ETag', 'Cache-Control']),
      );
      expect(operation!.responses[304], path).toBeDefined();
      expect(
        operation!.parameters?.some((p) => p.in === 'header' && p.name === 'if-none-match'),
        path,
      ).toBe(true);
    }
    const fields = document.paths[message]!.get!.parameters!.find((p) => p.name === 'fields');
    expect(fields?.in).toBe('query');
    expect(fields?.example ?? fields?.schema?.example).toEqual(expect.stringContaining(','));
    expect(
      document.paths[message]!.get!.responses[200]!.content!['application/json']!.examples,
    ).toHaveProperty('fields');
  });
});
