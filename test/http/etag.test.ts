import { describe, expect, it } from 'vitest';
import type { Account } from '../../lib/credentials/account.js';
import { downloadEtag, messageEtag, noneMatchFails, parseIfNoneMatch } from '../../lib/http/etag.js';

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
