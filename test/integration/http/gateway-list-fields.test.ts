import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
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
    const plain = { tls: 'none' as const, allowPlaintext: true };
    await gateway.addAccount('a', user.account({ ...plain, port: imap.port }));
    await gateway.addAccount('p', user.account({ ...plain, protocol: 'pop3', port: pop.port }));
    token = await gateway.token(['a', 'p'], 'read');
    const listed = await get('/v1/accounts/p/mailboxes/INBOX/messages');
    popId = (listed.json.messages as Json[]).find((m) => m.subject === 'Quarterly figures')!.id as string;
  });

  afterAll(async () => {
    await gateway?.close();
    await imap?.close();
    await pop?.close();
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
});
