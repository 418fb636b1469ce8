import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../../support/gateway.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';

/**
 * Filters mean exactly what they say, checked on the wire (Dovecot's
 * rawlog) and on the server: a condition is applied or refused, never
 * dropped, and every value reaches the server as a quoted string or a
 * literal, whatever it looks like.
 */

const message = (subject: string, extra = '') =>
  `From: a@example.com\r\nTo: b@example.com\r\nSubject: ${subject}\r\n${extra}Message-ID: <${subject.replace(/\W/g, '')}@example.com>\r\n\r\nbody of ${subject}\r\n`;

const SUBJECTS = ['plain one', 'plain two', 'about \\Seen flags', 'plain three'];

describe('list and bulk filters against the real server', () => {
  let gateway: Gateway;
  let user: MailUser;
  let token: string;
  const inbox = '/v1/accounts/f/mailboxes/INBOX';

  beforeAll(async () => {
    gateway = await startGateway();
    user = await createMailUser('filters');
    await user.seed(
      'INBOX',
      SUBJECTS.map((s, i) => ({ raw: message(s, i === 1 ? 'X-Tag: keep\r\n' : '') })),
    );
    await gateway.addAccount('f', user.account());
    token = await gateway.token(['f'], 'write');
  });

  afterAll(async () => {
    await gateway?.close();
  });

  /** The SEARCH lines clients sent during `work` (rawlog `.in` files; a session's log is flushed when it ends). */
  async function searchesDuring(work: () => Promise<unknown>): Promise<string[]> {
    const before = await user.transcripts();
    await work();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = await user.transcripts();
    const added = after.startsWith(before) ? after.slice(before.length) : after;
    return added
      .split('\n')
      .map((line) => line.replace(/^\d+\.\d+ /, '').trimEnd())
      .filter((line) => / UID SEARCH /.test(line));
  }

  const flagsOnServer = async () =>
    (await user.doveadm(['fetch', '-u', user.user, 'flags', 'mailbox', 'INBOX', 'all']))
      .split('\n')
      .filter((line) => line.startsWith('flags:'))
      // \Recent belongs to whichever session saw a message first, not to the message.
      .map((line) => line.replace('\\Recent', '').trim());

  const listSubjects = async (query: string) => {
    const response = await gateway.get(`${inbox}/messages?${query}`, token);
    expect(response.status).toBe(200);
    return ((await response.json()) as { messages: Array<{ subject: string }> }).messages.map(
      (m) => m.subject,
    );
  };

  it('sends a value that looks like a flag as a quoted string, and matches it as text', async () => {
    let subjects: string[] = [];
    const searches = await searchesDuring(async () => {
      subjects = await listSubjects(`subject=${encodeURIComponent('\\Seen')}`);
    });
    expect(subjects).toEqual(['about \\Seen flags']);
    expect(searches).toHaveLength(1);
    expect(searches[0]).toContain('SUBJECT "\\\\Seen"');
  });

  it('quotes every text value and header name, even plain words', async () => {
    const searches = await searchesDuring(() => listSubjects('from=example&header.X-Tag=keep'));
    expect(searches).toHaveLength(1);
    expect(searches[0]).toContain('FROM "example"');
    expect(searches[0]).toContain('HEADER "X-TAG" "keep"');
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'applies a header filter named %s in a list: it reaches the server and matches nothing',
    async (name) => {
      let subjects: string[] = ['not listed'];
      const searches = await searchesDuring(async () => {
        subjects = await listSubjects(`seen=false&header.${name}=x`);
      });
      expect(subjects).toEqual([]);
      expect(searches).toHaveLength(1);
      expect(searches[0]).toContain(`HEADER "${name.toUpperCase()}" "x"`);
    },
  );

  it('applies a bulk header filter named __proto__: it matches 0 and changes nothing', async () => {
    const before = await flagsOnServer();
    let result: unknown;
    const searches = await searchesDuring(async () => {
      const response = await gateway.get(`${inbox}/messages/bulk`, token, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // Written out by hand: JSON.stringify of an object literal would not keep the key.
        body: '{"filter":{"seen":false,"header":{"__proto__":"x"}},"action":"flag","flags":{"add":["\\\\Flagged"]}}',
      });
      expect(response.status).toBe(200);
      result = await response.json();
    });
    expect(result).toEqual({ matched: 0, done: 0, failed: [] });
    expect(searches).toHaveLength(1);
    expect(searches[0]).toContain('HEADER "__PROTO__" "x"');
    expect(await flagsOnServer()).toEqual(before);
  });

  it.each([
    ['a header map that is not an object', '{"filter":{"header":["X-Tag"]},"action":"delete"}'],
    ['an empty header map', '{"filter":{"seen":false,"header":{}},"action":"delete"}'],
    ['a header value that is not a string', '{"filter":{"header":{"X-Tag":true}},"action":"delete"}'],
    ['a filter key named __proto__', '{"filter":{"seen":false,"__proto__":{"seen":true}},"action":"delete"}'],
  ])('refuses %s with 400 before any command reaches the server', async (_name, body) => {
    const before = await user.transcripts();
    const response = await gateway.get(`${inbox}/messages/bulk`, token, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('invalid_request');
    expect(await user.transcripts()).toBe(before);
    expect(await listSubjects('')).toHaveLength(SUBJECTS.length);
  });
});
