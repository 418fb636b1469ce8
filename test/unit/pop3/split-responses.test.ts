import { afterEach, describe, expect, it } from 'vitest';
import { type FakePop3Server, startFakePop3Server, stuff } from '../../support/fake-pop3-server.js';
import { connectClient, readAll, TRICKY_MESSAGE } from './build-client.js';

let server: FakePop3Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const messages = [
  { uid: 'a', raw: TRICKY_MESSAGE },
  { uid: 'b', raw: Buffer.from('Subject: second\r\n\r\n.\r\n') },
];

describe('POP3 client over a server that splits its answers', () => {
  it('RETR returns the exact bytes for a split at every offset of the answer', async () => {
    const answerLength = `+OK ${TRICKY_MESSAGE.length} octets\r\n`.length + stuff(TRICKY_MESSAGE).length;
    const failures: number[] = [];
    for (let offset = 1; offset < answerLength; offset++) {
      server = await startFakePop3Server({ messages, split: { offset, command: 'RETR' } });
      const client = await connectClient(server);
      const body = await readAll(await client.retr(1));
      // The session is still in step: the next answer belongs to the next command.
      const [uid] = await client.uidl();
      await client.quit();
      if (!body.equals(TRICKY_MESSAGE) || uid?.uid !== 'a') failures.push(offset);
      await server.close();
      server = undefined;
    }
    expect(failures).toEqual([]);
  });

  it('reads a whole session delivered one byte per write', async () => {
    server = await startFakePop3Server({ messages, split: { offset: 'every-byte', command: 'RETR' } });
    const client = await connectClient(server);
    expect((await readAll(await client.retr(2))).equals(messages[1]!.raw)).toBe(true);
    expect((await readAll(await client.retr(1))).equals(TRICKY_MESSAGE)).toBe(true);
    await client.quit();
  });

  it('parses split status lines and listings at any offset', async () => {
    for (const offset of [1, 2, 3, 4, 5, 8, 13]) {
      server = await startFakePop3Server({ messages, split: { offset } });
      const client = await connectClient(server);
      expect(await client.stat()).toEqual({
        count: 2,
        size: TRICKY_MESSAGE.length + messages[1]!.raw.length,
      });
      expect(await client.uidl()).toEqual([
        { number: 1, uid: 'a' },
        { number: 2, uid: 'b' },
      ]);
      expect(await client.listOne(2)).toEqual({ number: 2, size: messages[1]!.raw.length });
      await client.quit();
      await server.close();
      server = undefined;
    }
  });
});
