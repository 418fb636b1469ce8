import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakePop3Server, startFakePop3Server } from '../../support/fake-pop3-server.js';
import { type Gateway, startGateway } from '../../support/gateway.js';

/**
 * Message ids accept UIDLs up to 140 characters (RFC 1939 §7 says 70; some
 * servers send longer), so list cursors, which carry UIDLs as anchors, must
 * too. Dovecot's UIDL format is fixed, hence the fake server.
 */
const COUNT = 12;
/** 140 characters from the whole 0x21–0x7E range, ending in the message's number. */
function longUidl(n: number): string {
  const printable = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
  const tail = `#${n}`;
  return (printable + printable).slice(0, 140 - tail.length) + tail;
}

describe('POP3 paging with 140-character UIDLs', () => {
  let gateway: Gateway;
  let fake: FakePop3Server;
  let token: string;

  beforeAll(async () => {
    fake = await startFakePop3Server({
      messages: Array.from({ length: COUNT }, (_, i) => ({
        uid: longUidl(i + 1),
        raw: Buffer.from(`Subject: message ${i + 1}\r\n\r\nbody\r\n`),
      })),
      user: 'alice',
      password: 'alice-pass',
    });
    gateway = await startGateway();
    await gateway.addAccount('longuidl', {
      protocol: 'pop3',
      host: '127.0.0.1',
      port: fake.port,
      tls: 'none',
      allowPlaintext: true,
      user: 'alice',
      password: 'alice-pass',
    });
    token = await gateway.token(['longuidl'], 'read');
  });

  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });

  it('pages through every message, newest first, with no 400 on later pages', async () => {
    expect(longUidl(1)).toHaveLength(140);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const response = await gateway.get(
        `/v1/accounts/longuidl/mailboxes/INBOX/messages?limit=5${query}`,
        token,
      );
      expect(response.status, await response.clone().text()).toBe(200);
      const page = (await response.json()) as {
        messages: Array<{ subject: string }>;
        nextCursor: string | null;
      };
      seen.push(...page.messages.map((message) => message.subject));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: COUNT }, (_, i) => `message ${COUNT - i}`));
  });
});
