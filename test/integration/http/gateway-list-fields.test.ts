import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy, withoutCapability } from '../../support/fault-proxy.js';
import { type Gateway, startGateway } from '../../support/gateway.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';

/**
 * `?fields=` through the real gateway and Dovecot, every IMAP and POP3
 * command recorded at a proxy: the answers hold only the fields asked for
 * (and `id`), and what no asked field needs is not read from the server.
 */

const MESSAGE = [
  'From: Bob <bob@example.com>',
  'To: alice@example.com',
  'Subject: Quarterly figures',
  'Date: Tue, 01 Dec 2026 10:00:00 +0000',
  'Message-ID: <figures@example.com>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="sep"',
  '',
  '--sep',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'The figures are in.',
  '--sep',
  'Content-Type: application/octet-stream; name="figures.bin"',
  'Content-Disposition: attachment; filename="figures.bin"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('0123456789').toString('base64'),
  '--sep--',
  '',
].join('\r\n');

type Json = Record<string, unknown>;

describe('fields on message reads and lists', () => {
  let gateway: Gateway;
  let user: MailUser;
  let imap: FaultProxy;
  let pop: FaultProxy;
  let bare: FaultProxy;
  let token: string;
  let popId: string;

  beforeAll(async () => {
    gateway = await startGateway({}, { reuse: true });
    user = await createMailUser('list-fields');
    await user.seed('INBOX', [
      { raw: MESSAGE },
      { raw: MESSAGE.replace('Quarterly', 'Monthly').replace('figures@', 'monthly@') },
    ]);
    imap = await startFaultProxy({
      target: { host: user.server.host, port: user.server.ports.imap },
      protocol: 'imap',
    });
    pop = await startFaultProxy({
      target: { host: user.server.host, port: user.server.ports.pop3 },
      protocol: 'pop3',
    });
    // A server without PREVIEW or SNIPPET: previews come from body prefixes.
    bare = await startFaultProxy({
      target: { host: user.server.host, port: user.server.ports.imap },
      protocol: 'imap',
      transformToClient: (chunk, index) =>
        withoutCapability('SNIPPET=FUZZY')(withoutCapability('PREVIEW')(chunk, index), index),
    });
    const plain = { tls: 'none' as const, allowPlaintext: true };
    await gateway.addAccount('a', user.account({ ...plain, port: imap.port }));
    await gateway.addAccount('b', user.account({ ...plain, port: bare.port }));
    await gateway.addAccount('p', user.account({ ...plain, protocol: 'pop3', port: pop.port }));
    token = await gateway.token(['a', 'b', 'p'], 'read');
    const listed = await get('/v1/accounts/p/mailboxes/INBOX/messages');
    popId = (listed.json.messages as Json[]).find((m) => m.subject === 'Quarterly figures')!.id as string;
  });

  afterAll(async () => {
    await gateway?.close();
    await imap?.close();
    await pop?.close();
    await bare?.close();
  });

  async function get(target: string): Promise<{ status: number; json: Json }> {
    const response = await gateway.get(target, token);
    const text = await response.text();
    expect(response.status, text).toBeLessThan(500);
    return { status: response.status, json: text ? (JSON.parse(text) as Json) : {} };
  }

  /** The POP3 commands of the requests since the last reset, without the session's login and listing. */
  async function popCommands(): Promise<string[]> {
    await pop.whenIdle();
    return pop.commands.map((c) => c.line.split(' ')[0]!.toUpperCase());
  }

  describe('POP3 message read', () => {
    it('reads only the header block (TOP n 0) for header fields, LIST n for the size', async () => {
      pop.reset();
      const answer = await get(`/v1/accounts/p/messages/${popId}?fields=subject,from,date,size`);
      expect(answer.status).toBe(200);
      expect(Object.keys(answer.json).sort()).toEqual(['date', 'from', 'id', 'size', 'subject']);
      expect(answer.json.subject).toBe('Quarterly figures');
      expect(answer.json.from).toEqual({ name: 'Bob', address: 'bob@example.com' });
      expect(answer.json.date).toBe('2026-12-01T10:00:00.000Z');
      expect(answer.json.size).toBe(Buffer.byteLength(MESSAGE));
      const commands = await popCommands();
      expect(commands).not.toContain('RETR');
      expect(pop.commands.map((c) => c.line)).toContainEqual(expect.stringMatching(/^TOP \d+ 0$/));
      expect(commands).toContain('LIST');
    });

    it('reads the whole message for a field only its body gives', async () => {
      pop.reset();
      const answer = await get(`/v1/accounts/p/messages/${popId}?fields=subject,hasAttachments`);
      expect(answer.json).toEqual({ id: popId, subject: 'Quarterly figures', hasAttachments: true });
      const commands = await popCommands();
      expect(commands).toContain('RETR');
      expect(commands).not.toContain('TOP');
    });

    it('asks no LIST without size', async () => {
      pop.reset();
      const answer = await get(`/v1/accounts/p/messages/${popId}?fields=messageId`);
      expect(answer.json).toEqual({ id: popId, messageId: 'figures@example.com' });
      const commands = await popCommands();
      expect(commands).not.toContain('RETR');
      expect(commands).not.toContain('LIST');
      expect(commands).toContain('TOP');
    });
  });

  describe('list', () => {
    const list = (account: string, query: string) =>
      get(`/v1/accounts/${account}/mailboxes/INBOX/messages${query}`);
    /** The FETCH commands the IMAP server got since the last reset, without their tags. */
    const fetches = () =>
      imap.commands.map((c) => c.line.replace(/^\S+ /, '')).filter((line) => /^(UID )?FETCH /i.test(line));
    const keysOf = (json: Json) => (json.messages as Json[]).map((message) => Object.keys(message).sort());

    it('lists every field and fetches every summary item without fields', async () => {
      imap.reset();
      const answer = await list('a', '');
      expect(answer.status).toBe(200);
      const [message] = answer.json.messages as Json[];
      expect(Object.keys(message!)).toEqual(
        expect.arrayContaining(['subject', 'flags', 'hasAttachments', 'preview']),
      );
      const [fetch, ...others] = fetches();
      expect(others).toEqual([]);
      for (const item of [
        'UID',
        'FLAGS',
        'INTERNALDATE',
        'RFC822.SIZE',
        'ENVELOPE',
        'BODYSTRUCTURE',
        'PREVIEW',
      ]) {
        expect(fetch).toContain(item);
      }
    });

    it('returns only the fields asked for, and fetches ENVELOPE alone for subject and from', async () => {
      imap.reset();
      const answer = await list('a', '?fields=subject,from');
      expect(answer.status).toBe(200);
      expect(keysOf(answer.json)).toEqual([
        ['from', 'id', 'subject'],
        ['from', 'id', 'subject'],
      ]);
      expect((answer.json.messages as Json[]).map((m) => m.subject)).toEqual([
        'Monthly figures',
        'Quarterly figures',
      ]);
      expect(answer.json.total).toBe(2);
      expect(fetches()).toEqual([expect.stringMatching(/^FETCH 1:2 \(UID ENVELOPE\)$/)]);
    });

    it('fetches BODYSTRUCTURE only for hasAttachments, and the preview only for preview', async () => {
      imap.reset();
      const attachments = await list('a', '?fields=hasAttachments');
      expect(attachments.json.messages).toEqual([
        { id: expect.any(String), hasAttachments: true },
        { id: expect.any(String), hasAttachments: true },
      ]);
      const previews = await list('a', '?fields=preview,seen');
      expect((previews.json.messages as Json[]).map((m) => m)).toEqual([
        // The POP3 read above set \Seen on the older one.
        { id: expect.any(String), preview: 'The figures are in.', seen: false },
        { id: expect.any(String), preview: 'The figures are in.', seen: true },
      ]);
      const [structure, preview] = fetches();
      expect(structure).toMatch(/^FETCH 1:2 \(UID BODYSTRUCTURE\)$/);
      expect(preview).toMatch(/^FETCH 1:2 \(UID FLAGS PREVIEW\)$/);
      expect(fetches()).toHaveLength(2);
    });

    it('reads a body prefix with BODYSTRUCTURE only for preview where the server has no PREVIEW', async () => {
      const fetchesOf = () =>
        bare.commands.map((c) => c.line.replace(/^\S+ /, '')).filter((line) => /^(UID )?FETCH /i.test(line));
      await list('b', '?fields=subject');
      bare.reset();
      const previews = await list('b', '?fields=preview');
      expect(previews.json.messages).toEqual([
        { id: expect.any(String), preview: 'The figures are in.' },
        { id: expect.any(String), preview: 'The figures are in.' },
      ]);
      const subjects = await list('b', '?fields=subject');
      expect(subjects.json.messages).toEqual([
        { id: expect.any(String), subject: 'Monthly figures' },
        { id: expect.any(String), subject: 'Quarterly figures' },
      ]);
      expect(fetchesOf()).toEqual([
        'FETCH 1:2 (UID BODYSTRUCTURE BODY.PEEK[TEXT]<0.2048>)',
        'FETCH 1:2 (UID ENVELOPE)',
      ]);
    });

    it('fetches only what the fields need in a sorted list too', async () => {
      imap.reset();
      const answer = await list('a', '?sort=subject&fields=subject,size');
      expect(answer.status).toBe(200);
      expect(answer.json.messages).toEqual([
        { id: expect.any(String), subject: 'Monthly figures', size: expect.any(Number) },
        { id: expect.any(String), subject: 'Quarterly figures', size: expect.any(Number) },
      ]);
      const [fetch, ...others] = fetches();
      expect(others).toEqual([]);
      expect(fetch).toMatch(/^UID FETCH 2,1 \(UID ENVELOPE RFC822\.SIZE\)$/);
    });

    it('refuses an unknown or empty field with 400 before any command', async () => {
      imap.reset();
      for (const query of [
        '?fields=subject,nope',
        '?fields=',
        '?fields=,',
        '?fields=text',
        `?fields=${'a,'.repeat(600)}`,
      ]) {
        const answer = await list('a', query);
        expect(answer.status, query).toBe(400);
        expect(answer.json.code, query).toBe('invalid_request');
      }
      expect(imap.commands).toHaveLength(0);
    });

    it('reads POP3 headers with TOP n 0 without preview, TOP n 16 with it', async () => {
      pop.reset();
      const bare = await list('p', '?fields=subject,hasAttachments');
      expect(bare.json.messages).toEqual([
        { id: expect.any(String), subject: 'Monthly figures', hasAttachments: true },
        { id: expect.any(String), subject: 'Quarterly figures', hasAttachments: true },
      ]);
      await pop.whenIdle();
      const tops = () => pop.commands.map((c) => c.line).filter((line) => /^TOP /.test(line));
      expect(tops()).toEqual(['TOP 2 0', 'TOP 1 0']);
      pop.reset();
      const withPreview = await list('p', '?fields=preview');
      expect(withPreview.json.messages).toEqual([
        { id: expect.any(String), preview: 'The figures are in.' },
        { id: expect.any(String), preview: 'The figures are in.' },
      ]);
      await pop.whenIdle();
      expect(tops()).toEqual(['TOP 2 16', 'TOP 1 16']);
    });
  });
});
