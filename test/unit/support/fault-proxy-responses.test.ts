import { afterEach, describe, expect, it } from 'vitest';
import { type FaultProxyOptions, startFaultProxy } from '../../support/fault-proxy.js';
import { imapLike, pop3Like, type Responder, startLineServer } from './line-server.js';
import { TestClient } from './test-client.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(faults: Omit<FaultProxyOptions, 'target'>, respond: Responder, greeting: string) {
  const server = await startLineServer({ respond, greeting });
  cleanups.push(server.close);
  const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: server.port }, ...faults });
  cleanups.push(() => proxy.close());
  const client = await TestClient.connect(proxy.port);
  cleanups.push(async () => client.destroy());
  await client.waitFor(greeting);
  return { server, proxy, client };
}

const IMAP_GREETING = '* OK fake IMAP ready\r\n';
const POP3_GREETING = '+OK fake POP3 ready\r\n';

describe('fault proxy response-aware cuts', () => {
  it('IMAP: delivers the whole tagged response, then cuts, ignoring look-alikes inside literals', async () => {
    const { client } = await setup({ cutAfterResponseTo: / FETCH$/ }, imapLike, IMAP_GREETING);
    await client.exchange('A1 NOOP', 'A1 OK NOOP done');
    client.send('A2 FETCH');
    await client.closed;
    expect(client.received).toMatch(/A2 OK fake\r\n\)\r\nA2 OK FETCH done\r\n$/);
    expect(client.error).toBeUndefined();
  });

  it('IMAP: forwards the command, lets the server answer, and delivers none of it', async () => {
    const { server, client } = await setup(
      { cutBeforeResponseTo: (l) => l.endsWith('FETCH') },
      imapLike,
      IMAP_GREETING,
    );
    await client.exchange('A1 NOOP', 'A1 OK NOOP done');
    client.send('A2 FETCH');
    await client.closed;
    expect(server.lines).toEqual(['A1 NOOP', 'A2 FETCH']);
    expect(client.received).toBe(`${IMAP_GREETING}* 1 EXISTS\r\nA1 OK NOOP done\r\n`);
  });

  it('IMAP: counts a command with a literal as one command', async () => {
    const { server, proxy, client } = await setup({ cutAfterCommands: 2 }, imapLike, IMAP_GREETING);
    client.socket.write('A1 LOGIN {5}\r\nalice pass\r\n');
    await client.waitFor('A1 OK');
    client.send('A2 NOOP');
    await client.closed;
    expect(proxy.commandsOf(0)).toEqual(['A1 LOGIN {5}\r\nalice pass', 'A2 NOOP']);
    expect(server.lines).toContain('A2 NOOP');
  });

  it('POP3: cuts after the dot that ends a pipelined RETR, before the next answer', async () => {
    const { server, client } = await setup({ cutAfterResponseTo: /^RETR/ }, pop3Like, POP3_GREETING);
    client.socket.write('NOOP\r\nRETR 1\r\nQUIT\r\n');
    await client.closed;
    expect(server.lines).toEqual(['NOOP', 'RETR 1', 'QUIT']);
    expect(client.received).toBe(
      `${POP3_GREETING}+OK\r\n+OK message\r\nSubject: hi\r\n\r\n+OK not a status\r\n.\r\n`,
    );
  });

  it('POP3: withholds a single-line answer with cutBeforeResponseTo', async () => {
    const { server, client } = await setup(
      { cutBeforeResponseTo: /^NOOP/, protocol: 'pop3' },
      pop3Like,
      POP3_GREETING,
    );
    client.send('NOOP');
    await client.closed;
    expect(server.lines).toEqual(['NOOP']);
    expect(client.received).toBe(POP3_GREETING);
  });

  it('stops parsing after STARTTLS succeeds, since the rest would be ciphertext', async () => {
    const { proxy, client } = await setup({}, imapLike, IMAP_GREETING);
    await client.exchange('A1 STARTTLS', 'A1 OK STARTTLS done');
    await client.exchange('A2 NOOP', 'A2 OK NOOP done');
    expect(proxy.commandsOf(0)).toEqual(['A1 STARTTLS']);
  });
});
