import { afterEach, describe, expect, it } from 'vitest';
import { createPop3Client, type Pop3Client } from '../../../lib/pop3/client.js';
import { SUMMARY_BODY_LINES } from '../../../lib/pop3/commands/headers.js';
import { MAX_HEADER_BYTES, MAX_PREVIEW_BODY_BYTES } from '../../../lib/pop3/read-limits.js';
import { pop3Preview } from '../../../lib/pop3/summary.js';
import type { FakeMessage, FakePop3Options, FakePop3Server } from '../../support/fake-pop3/options.js';
import { startFakePop3Server } from '../../support/fake-pop3/server.js';
import { buildClientOptions } from './build-client.js';

/**
 * Summaries read `TOP n 16` for their preview. A body line has no length
 * limit, so only the header block is capped as a whole; of the body lines
 * only MAX_PREVIEW_BODY_BYTES are kept, the rest is read and dropped.
 */

let server: FakePop3Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function connect(
  messages: FakeMessage[],
  pipelining = true,
  split: FakePop3Options['split'] = null,
): Promise<Pop3Client> {
  server = await startFakePop3Server({ messages, pipelining, split });
  const client = createPop3Client(buildClientOptions(server));
  await client.connect();
  return client;
}

function textMessage(uid: string, text: string): FakeMessage {
  return {
    uid,
    raw: Buffer.from(`Subject: ${uid}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text}\r\n`),
  };
}

const HTML_HEADER = 'Subject: big\r\nContent-Type: text/html; charset=utf-8\r\n\r\n';

/** An HTML body that is one line of `bytes` bytes, with dot-stuffed lines before and after it. */
function oneLineHtml(uid: string, bytes: number): FakeMessage {
  const start = '<html><body><p>Big news inside</p>';
  const line = `${start}${'x'.repeat(bytes - start.length - '</body></html>'.length)}</body></html>`;
  return { uid, raw: Buffer.from(`${HTML_HEADER}.dot first\r\n${line}\r\n.\r\n..\r\nafter\r\n`) };
}

describe('TOP n 16 keeps the header and a bounded part of the body', () => {
  for (const pipelining of [true, false]) {
    it(`a 2 MB body line lists with the others, and the session goes on (pipelining ${pipelining})`, async () => {
      const client = await connect(
        [textMessage('a', 'first text'), oneLineHtml('big', 2 * 1024 * 1024), textMessage('c', 'third text')],
        pipelining,
      );
      const infos = await client.headers([3, 2, 1]);
      expect(infos.map((info) => info.uid)).toEqual(['c', 'big', 'a']);
      const big = infos[1]!;
      expect(big.size).toBeGreaterThan(2 * 1024 * 1024);
      // The header whole, then exactly the budget of the body, unstuffed.
      expect(big.header.length).toBe(Buffer.byteLength(HTML_HEADER) + MAX_PREVIEW_BODY_BYTES);
      // Exactly what the message holds, dot-unstuffed: its first bytes, cut at the budget.
      const raw = server!.maildrop[1]!.raw;
      expect(big.header.equals(raw.subarray(0, big.header.length))).toBe(true);
      expect(pop3Preview(big.header, big.size)).toMatch(/^Big news inside x{100,}$/);
      expect(pop3Preview(infos[0]!.header, infos[0]!.size)).toBe('third text');
      expect(pop3Preview(infos[2]!.header, infos[2]!.size)).toBe('first text');
      // The same session answers the next command: nothing was left unread or cut.
      expect((await client.stat()).count).toBe(3);
      const again = await client.headers([2]);
      expect(again[0]!.header.equals(big.header)).toBe(true);
      expect(server!.sessions).toHaveLength(1);
      expect(server!.sessions[0]!.isClosed).toBe(false);
      await client.quit();
    });
  }

  it('long lines of many messages spend only what is kept of the batch budget (16 MiB)', async () => {
    const messages = Array.from({ length: 40 }, (_, i) => oneLineHtml(`m${i + 1}`, 500 * 1024));
    const client = await connect(messages);
    const infos = await client.headers(Array.from({ length: 40 }, (_, i) => 40 - i));
    expect(infos).toHaveLength(40);
    for (const info of infos) {
      expect(info.header.length).toBe(Buffer.byteLength(HTML_HEADER) + MAX_PREVIEW_BODY_BYTES);
    }
    expect((await client.stat()).count).toBe(40);
    expect(server!.sessions).toHaveLength(1);
    await client.quit();
  });

  it('body lines within the budget are kept byte-exact, with the blank line after the header', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => `${i % 3 === 0 ? '.' : ''}line ${i}\r\n`);
    const raw = Buffer.from(`Subject: s\r\nX-A: b\r\n\r\n${lines.join('')}`);
    const client = await connect([{ uid: 'u', raw }]);
    const [info] = await client.headers([1]);
    expect(info!.header.toString()).toBe(
      `Subject: s\r\nX-A: b\r\n\r\n${lines.slice(0, SUMMARY_BODY_LINES).join('')}`,
    );
    await client.quit();
  });

  it('a header with bare LF line ends ends at its first empty line', async () => {
    const raw = Buffer.from(`Subject: lf\nX-B: c\n\n${'z'.repeat(100_000)}\n`);
    const client = await connect([{ uid: 'u', raw }]);
    const [info] = await client.headers([1]);
    expect(info!.header.length).toBe('Subject: lf\nX-B: c\n\n'.length + MAX_PREVIEW_BODY_BYTES);
    await client.quit();
  });

  it('the header end and the budget are found whatever the chunking (one byte at a time)', async () => {
    const crlf = oneLineHtml('big', 40 * 1024);
    const lf = { uid: 'lf', raw: Buffer.from(`Subject: lf\n\r\n${'q'.repeat(30_000)}\n`) };
    const client = await connect([crlf, lf], true, { offset: 'every-byte', command: 'TOP' });
    const [first, second] = await client.headers([1, 2]);
    expect(
      first!.header.equals(crlf.raw.subarray(0, Buffer.byteLength(HTML_HEADER) + MAX_PREVIEW_BODY_BYTES)),
    ).toBe(true);
    // "\r\n" after a bare-LF line is the empty line that ends the header.
    expect(
      second!.header.equals(lf.raw.subarray(0, 'Subject: lf\n\r\n'.length + MAX_PREVIEW_BODY_BYTES)),
    ).toBe(true);
    expect((await client.stat()).count).toBe(2);
    await client.quit();
  });

  it('a 2 MB header block still ends the session, as with TOP n 0', async () => {
    const junk = `X-Junk: ${'y'.repeat(1014)}\r\n`.repeat(2048);
    const raw = Buffer.from(`Subject: huge\r\n${junk}\r\nbody\r\n`);
    expect(raw.length).toBeGreaterThan(2 * MAX_HEADER_BYTES);
    for (const bodyLines of [SUMMARY_BODY_LINES, 0]) {
      const client = await connect([{ uid: 'u', raw }]);
      await expect(client.headers([1], bodyLines)).rejects.toMatchObject({ code: 'upstream_unavailable' });
      await server!.sessions[0]!.closed;
      await server!.close();
      server = undefined;
    }
  });

  it('TOP n 0 keeps the header block whole and reads nothing of the body', async () => {
    const client = await connect([oneLineHtml('big', 64 * 1024)]);
    const [info] = await client.headers([1], 0);
    expect(info!.header.toString()).toBe(HTML_HEADER);
    await client.quit();
  });
});
