import { afterEach, describe, expect, it } from 'vitest';
import { type FakePop3Server, startFakePop3Server } from '../../support/fake-pop3-server.js';
import { connectClient } from './build-client.js';

let server: FakePop3Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const messages = Array.from({ length: 60 }, (_, index) => ({
  uid: `uid-${index + 1}`,
  raw: Buffer.from(`Subject: message ${index + 1}\r\nFrom: a@example.test\r\n\r\nbody ${index + 1}\r\n`),
}));

function readsWithTop(reads: Buffer[]): Buffer[] {
  return reads.filter((read) => read.includes('TOP '));
}

describe('PIPELINING (RFC 2449 §6.6)', () => {
  it('sends 50 TOP commands in at most 3 writes when the server advertises it', async () => {
    server = await startFakePop3Server({ messages, pipelining: true });
    const client = await connectClient(server);
    const numbers = Array.from({ length: 50 }, (_, index) => 60 - index);
    const headers = await client.topMany(numbers, 0);
    expect(headers.map((header) => header.toString('latin1'))).toEqual(
      numbers.map((number) => `Subject: message ${number}\r\nFrom: a@example.test\r\n\r\n`),
    );
    const session = server.sessions[0]!;
    expect(session.commands.filter((line) => line.startsWith('TOP '))).toHaveLength(50);
    expect(readsWithTop(session.reads).length).toBeLessThanOrEqual(3);
    await client.quit();
  });

  it('sends one command at a time when the server does not advertise it', async () => {
    server = await startFakePop3Server({ messages, pipelining: false });
    const client = await connectClient(server);
    const headers = await client.topMany([3, 2, 1], 0);
    expect(headers[0]!.toString('latin1')).toContain('Subject: message 3');
    const reads = readsWithTop(server.sessions[0]!.reads);
    expect(reads.map((read) => read.toString('latin1'))).toEqual([
      'TOP 3 0\r\n',
      'TOP 2 0\r\n',
      'TOP 1 0\r\n',
    ]);
    await client.quit();
  });

  it('matches a -ERR inside a pipelined batch to its own command', async () => {
    server = await startFakePop3Server({ messages, pipelining: true });
    const client = await connectClient(server);
    await expect(client.topMany([1, 99, 2], 0)).rejects.toMatchObject({ code: 'message_not_found' });
    // The batch's other answers were consumed: the session is still in step.
    expect((await client.top(2, 0)).toString('latin1')).toContain('Subject: message 2');
    await client.quit();
  });
});
