import { type ChildNode, type Element, isTag } from 'domhandler';
import { parseDocument } from 'htmlparser2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../support/gateway.js';
import { readProblem } from '../support/http-helpers.js';
import { createMailUser } from '../support/mail-server.js';

// Display-ready answers of GET .../messages/{id} through the real gateway and Dovecot.

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);

const HOSTILE_HTML = [
  '<html><head><meta http-equiv="refresh" content="0;url=https://evil.example/">',
  '<base href="https://evil.example/"><style>body { background: url(https://evil.example/bg) }</style></head>',
  '<body><h1 onclick="steal()">Spring sale</h1>',
  '<script>window.__xss = 1</script>',
  '<p>Our <a href="https://shop.example/sale">new collection</a> is here.</p>',
  '<img src="cid:logo@mailgate.test" alt="logo" onerror="window.__xss=1">',
  '<img src="https://tracker.example/open.gif" width="1" height="1" alt="">',
  '<img src="http://cdn.example/banner.jpg" alt="banner">',
  '<a href="javascript:alert(1)">click</a>',
  '<form action="https://evil.example/"><input name="password"></form>',
  '</body></html>',
].join('\n');

const NEWSLETTER = [
  'From: Shop <news@shop.example>',
  'To: reader@example.com',
  'Subject: newsletter',
  'MIME-Version: 1.0',
  'Content-Type: multipart/related; boundary="rel"',
  '',
  '--rel',
  'Content-Type: text/html; charset=utf-8',
  '',
  HOSTILE_HTML,
  '--rel',
  'Content-Type: image/png; name="logo.png"',
  'Content-Transfer-Encoding: base64',
  'Content-ID: <logo@mailgate.test>',
  'Content-Disposition: inline; filename="logo.png"',
  '',
  PNG.toString('base64'),
  '--rel--',
  '',
].join('\r\n');

const ALTERNATIVE = [
  'From: a@example.com',
  'Subject: alternative',
  'MIME-Version: 1.0',
  'Content-Type: multipart/alternative; boundary="alt"',
  '',
  '--alt',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'the plain text',
  '--alt',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>the <b>html</b></p>',
  '--alt--',
  '',
].join('\r\n');

const ENCODED = [
  'From: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg@example.com>',
  'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus =?ISO-8859-1?B?S/Zsbg==?=',
  'X-Broken: =?utf-8?Q?unterminated and =?utf-8?Z?bad?= kept',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'body',
  '',
].join('\r\n');

interface MessageJson {
  subject: string | null;
  headers: Array<{ name: string; value: string }>;
  text: string | null;
  textFromHtml?: boolean;
  textTruncated: boolean;
  html: string | null;
  imagesBlocked?: number;
  attachments: Array<{ contentId: string | null; downloadUrl: string }>;
}

function elements(nodes: ChildNode[]): Element[] {
  return nodes.flatMap((node) => (isTag(node) ? [node, ...elements(node.children)] : []));
}

function parse(html: string): Element[] {
  return elements(parseDocument(html).children);
}

describe.each([
  ['imap', (ports: { imaps: number; pop3s: number }) => ({ protocol: 'imap' as const, port: ports.imaps })],
  ['pop3', (ports: { imaps: number; pop3s: number }) => ({ protocol: 'pop3' as const, port: ports.pop3s })],
])('the message answer over %s', (protocol, accountFor) => {
  let gateway: Gateway;
  let token: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    gateway = await startGateway();
    const user = await createMailUser(`display-${protocol}`);
    await user.seed('INBOX', [{ raw: NEWSLETTER }, { raw: ALTERNATIVE }, { raw: ENCODED }]);
    await gateway.addAccount('acct', user.account(accountFor(user.server.ports)));
    token = await gateway.token(['acct'], 'read');
    const page = (await (await gateway.get('/v1/accounts/acct/mailboxes/INBOX/messages', token)).json()) as {
      messages: Array<{ id: string; subject: string }>;
    };
    for (const message of page.messages) ids[message.subject] = message.id;
    ids.encoded = page.messages.find((message) => message.subject.startsWith('Grüße'))!.id;
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
  });

  async function get(name: string, query = '', base = '/v1/accounts/acct'): Promise<MessageJson> {
    const response = await gateway.get(`${base}/messages/${encodeURIComponent(ids[name]!)}${query}`, token);
    expect(response.status).toBe(200);
    return (await response.json()) as MessageJson;
  }

  it('keeps the raw HTML by default, and with html=raw', async () => {
    for (const query of ['', '?html=raw']) {
      const message = await get('newsletter', query);
      expect(message.html).toContain('<script>window.__xss = 1</script>');
      expect(message).not.toHaveProperty('imagesBlocked');
    }
  });

  it('html=safe: no script, handler, form, meta, base or style; cid points at the part; remote images blocked', async () => {
    const message = await get('newsletter', '?html=safe');
    const html = message.html!;
    const nodes = parse(html);
    const names = new Set(nodes.map((node) => node.name));
    for (const banned of ['script', 'form', 'input', 'meta', 'base', 'style', 'html', 'head', 'body']) {
      expect(names.has(banned), banned).toBe(false);
    }
    for (const node of nodes) {
      for (const [name, value] of Object.entries(node.attribs)) {
        expect(name.startsWith('on'), `${node.name} ${name}`).toBe(false);
        expect(value).not.toMatch(/javascript:|evil\.example|tracker\.example|cdn\.example/i);
      }
    }
    const logo = message.attachments.find((attachment) => attachment.contentId === 'logo@mailgate.test')!;
    const images = nodes.filter((node) => node.name === 'img');
    expect(images.map((image) => image.attribs.src ?? null)).toEqual([logo.downloadUrl, null, null]);
    expect(images.map((image) => image.attribs['data-image-blocked'] ?? null)).toEqual([
      null,
      'remote',
      'remote',
    ]);
    expect(message.imagesBlocked).toBe(2);
    const link = nodes.find((node) => node.name === 'a' && node.attribs.href !== undefined)!;
    expect(link.attribs).toEqual({
      href: 'https://shop.example/sale',
      rel: 'noopener noreferrer',
      target: '_blank',
    });
    expect(html).toContain('Spring sale');
    // The rewritten cid URL serves the image.
    const download = await fetch(logo.downloadUrl, { headers: { Authorization: `Bearer ${token}` } });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(PNG);
  });

  it('html=safe&images=keep keeps the remote images and blocks none', async () => {
    const message = await get('newsletter', '?html=safe&images=keep');
    const sources = parse(message.html!)
      .filter((node) => node.name === 'img')
      .map((image) => image.attribs.src);
    expect(sources.slice(1)).toEqual(['https://tracker.example/open.gif', 'http://cdn.example/banner.jpg']);
    expect(message.imagesBlocked).toBe(0);
    expect(message.html).not.toContain('<script');
  });

  it('html=safe works on the mailbox-nested alias too', async () => {
    const message = await get('newsletter', '?html=safe', '/v1/accounts/acct/mailboxes/INBOX');
    expect(message.html).not.toContain('<script');
    expect(message.imagesBlocked).toBe(2);
  });

  it('an HTML-only message gets text made from its HTML, with body=both and body=text', async () => {
    for (const query of ['', '?body=text', '?html=safe']) {
      const message = await get('newsletter', query);
      expect(message.textFromHtml).toBe(true);
      expect(message.text).toContain('Spring sale');
      expect(message.text).toContain('new collection [https://shop.example/sale]');
      expect(message.text).not.toContain('window.__xss');
      expect(message.text).not.toContain('tracker.example');
      expect(message.textTruncated).toBe(false);
    }
    expect((await get('newsletter', '?body=text')).html).toBeNull();
    const htmlOnly = await get('newsletter', '?body=html');
    expect(htmlOnly.text).toBeNull();
    expect(htmlOnly.textFromHtml).toBe(false);
  });

  it('a message with a plain-text body keeps it: textFromHtml false', async () => {
    const message = await get('alternative');
    expect(message.text?.trim()).toBe('the plain text');
    expect(message.textFromHtml).toBe(false);
    expect(message.html).toContain('<b>html</b>');
  });

  it('a cut HTML body makes a cut text', async () => {
    const message = await get('newsletter', '?maxBodyBytes=200');
    expect(message.textFromHtml).toBe(true);
    expect(message.textTruncated).toBe(true);
    expect(Buffer.byteLength(message.text!)).toBeLessThanOrEqual(200);
  });

  it('decodes RFC 2047 header values, leaves malformed words as written, and headers=raw keeps them raw', async () => {
    const header = (message: MessageJson, name: string) =>
      message.headers.find((field) => field.name.toLowerCase() === name)?.value;
    const decoded = await get('encoded');
    expect(header(decoded, 'subject')).toBe('Grüße aus Köln');
    expect(header(decoded, 'from')).toBe('Jörg Müller <joerg@example.com>');
    expect(header(decoded, 'x-broken')).toBe('=?utf-8?Q?unterminated and =?utf-8?Z?bad?= kept');
    const raw = await get('encoded', '?headers=raw');
    expect(header(raw, 'subject')).toBe('=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus =?ISO-8859-1?B?S/Zsbg==?=');
    expect(header(raw, 'from')).toBe('=?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg@example.com>');
  });

  it.each([['html=unsafe'], ['html='], ['images=none'], ['headers=decode'], ['html=safe&images=KEEP']])(
    'refuses %s with 400 invalid_request',
    async (query) => {
      const response = await gateway.get(
        `/v1/accounts/acct/messages/${encodeURIComponent(ids.newsletter!)}?${query}`,
        token,
      );
      expect(response.status).toBe(400);
      expect((await readProblem(response)).code).toBe('invalid_request');
    },
  );
});
