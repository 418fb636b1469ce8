import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPop3Message } from '../../../lib/pop3/message-content.js';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import { type Gateway, startGateway } from '../../support/gateway.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';

/**
 * An HTML-only message has no `text` from either store (IMAP or POP3): the
 * answer's text is made from its HTML (`textFromHtml`), the same for both.
 * With body=text an IMAP read fetches the plain-text part alone when there
 * is one, and the HTML part when there is none.
 */

const head = (subject: string) => [
  'From: Bob <bob@example.com>',
  'To: alice@example.com',
  `Subject: ${subject}`,
  'Date: Tue, 01 Dec 2026 10:00:00 +0000',
  'MIME-Version: 1.0',
];

const HTML_ONLY = [
  ...head('Only HTML'),
  'Content-Type: text/html; charset=utf-8',
  '',
  '<html><body><p>Hello <b>there</b>,</p><p>the figures are in.</p></body></html>',
  '',
].join('\r\n');

const ALTERNATIVE = [
  ...head('Both bodies'),
  'Content-Type: multipart/alternative; boundary="alt"',
  '',
  '--alt',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Plain figures.',
  '--alt',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>HTML figures.</p>',
  '--alt--',
  '',
].join('\r\n');

type Json = Record<string, unknown>;

describe('text of HTML-only messages on IMAP and POP3', () => {
  let gateway: Gateway;
  let user: MailUser;
  let imap: FaultProxy;
  let token: string;
  const ids: Record<string, Record<string, string>> = { a: {}, p: {} };
  const uids: Record<string, number> = {};

  beforeAll(async () => {
    gateway = await startGateway({}, { reuse: true });
    user = await createMailUser('html-only-text');
    await user.seed('INBOX', [{ raw: HTML_ONLY }, { raw: ALTERNATIVE }]);
    imap = await startFaultProxy({
      target: { host: user.server.host, port: user.server.ports.imap },
      protocol: 'imap',
    });
    const plain = { tls: 'none' as const, allowPlaintext: true };
    await gateway.addAccount('a', user.account({ ...plain, port: imap.port }));
    await gateway.addAccount('p', user.account({ ...plain, protocol: 'pop3', port: user.server.ports.pop3 }));
    token = await gateway.token(['a', 'p'], 'read');
    for (const account of ['a', 'p']) {
      const response = await gateway.get(`/v1/accounts/${account}/mailboxes/INBOX/messages`, token);
      const page = (await response.json()) as {
        messages: Array<{ id: string; uid?: number; subject: string }>;
      };
      for (const message of page.messages) {
        ids[account]![message.subject] = message.id;
        if (message.uid !== undefined) uids[message.subject] = message.uid;
      }
    }
  });

  afterAll(async () => {
    await gateway?.close();
    await imap?.close();
  });

  async function read(account: string, subject: string, query: string): Promise<Json> {
    const response = await gateway.get(
      `/v1/accounts/${account}/messages/${ids[account]![subject]}${query}`,
      token,
    );
    const text = await response.text();
    expect(response.status, text).toBe(200);
    return JSON.parse(text) as Json;
  }

  it('gives an HTML-only message no text from the POP3 store, as from IMAP', () => {
    const message = buildPop3Message(Buffer.from(HTML_ONLY), 'x', HTML_ONLY.length, {
      body: 'both',
      maxBodyBytes: null,
      markSeen: false,
    });
    expect(message.text).toBeNull();
    expect(message.html).toContain('<b>there</b>');
    const textOnly = buildPop3Message(Buffer.from(HTML_ONLY), 'x', HTML_ONLY.length, {
      body: 'text',
      maxBodyBytes: null,
      markSeen: false,
    });
    expect(textOnly.text).toBeNull();
    expect(textOnly.html).toContain('<b>there</b>');
    const alternative = buildPop3Message(Buffer.from(ALTERNATIVE), 'y', ALTERNATIVE.length, {
      body: 'text',
      maxBodyBytes: null,
      markSeen: false,
    });
    expect(alternative.text).toBe('Plain figures.');
    expect(alternative.html).toBeNull();
  });

  it.each(['', '?body=text', '?body=both', '?body=html', '?body=text&fields=text,textFromHtml'])(
    'answers the same text, textFromHtml and html on both protocols (%s)',
    async (query) => {
      for (const subject of ['Only HTML', 'Both bodies']) {
        const fromImap = await read('a', subject, query);
        const fromPop = await read('p', subject, query);
        const pick = (answer: Json) => ({
          text: answer.text,
          textFromHtml: answer.textFromHtml,
          html: answer.html,
        });
        expect(pick(fromPop), `${subject} ${query}`).toEqual(pick(fromImap));
      }
    },
  );

  it('makes the text of an HTML-only message from its HTML, with body=text too', async () => {
    for (const account of ['a', 'p']) {
      const answer = await read(account, 'Only HTML', '?body=text');
      expect(answer.text).toBe('Hello there,\n\nthe figures are in.');
      expect(answer.textFromHtml).toBe(true);
      expect(answer.html).toBeNull();
      const both = await read(account, 'Only HTML', '');
      expect(both.text).toBe('Hello there,\n\nthe figures are in.');
      expect(both.textFromHtml).toBe(true);
      expect(both.html).toContain('<b>there</b>');
      const alternative = await read(account, 'Both bodies', '?body=text');
      expect(alternative).toMatchObject({ text: 'Plain figures.', textFromHtml: false, html: null });
    }
  });

  it('fetches only the plain-text part of a multipart/alternative message with body=text', async () => {
    const bodyItems = () =>
      imap.commands
        .map((c) => c.line)
        .filter((line) => / UID FETCH /i.test(line))
        // The body parts asked for (the header block, BODY.PEEK[HEADER], is not a body).
        .flatMap((line) => line.match(/(BODY\.PEEK|BINARY\.PEEK|BINARY\.SIZE)\[\d[\d.]*\]/g) ?? []);
    imap.reset();
    await read('a', 'Both bodies', '?body=text');
    expect(bodyItems()).toEqual(['BODY.PEEK[1]']);
    imap.reset();
    await read('a', 'Both bodies', '?body=html');
    expect(bodyItems()).toEqual(['BODY.PEEK[2]']);
    imap.reset();
    await read('a', 'Both bodies', '');
    expect(bodyItems().sort()).toEqual(['BODY.PEEK[1]', 'BODY.PEEK[2]']);
    imap.reset();
    await read('a', 'Only HTML', '?body=text');
    expect(bodyItems()).toEqual(['BODY.PEEK[1]']);
    expect(uids['Both bodies']).toBeGreaterThan(0);
  });
});
