import { afterEach, describe, expect, it } from 'vitest';
import { createPop3Client, type Pop3Client } from '../../../lib/pop3/client.js';
import { parseListing } from '../../../lib/pop3/parse-listing.js';
import { MAX_LISTING_ENTRIES } from '../../../lib/pop3/read-limits.js';
import {
  type HostilePop3Behaviour,
  type HostilePop3Server,
  startHostilePop3Server,
} from '../../support/hostile/hostile-pop3.js';
import { buildClientOptions } from './build-client.js';

let server: HostilePop3Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function connect(behaviour: HostilePop3Behaviour): Promise<Pop3Client> {
  server = await startHostilePop3Server(behaviour);
  const client = createPop3Client(buildClientOptions(server));
  await client.connect();
  return client;
}

async function expectSessionEnded(): Promise<void> {
  await server!.whenAllClosed(2000);
  expect(server!.openSockets).toBe(0);
}

const numbers = (from: number, count: number) => Array.from({ length: count }, (_, i) => from - i);

describe('POP3 answers read whole are capped, and a cap ends the session', () => {
  it('a header block (TOP n 0) that never ends', async () => {
    const client = await connect({ kind: 'endless-top', flood: 64 * 1024 * 1024 });
    await expect(client.headers(numbers(20, 3))).rejects.toMatchObject({ code: 'upstream_unavailable' });
    await expectSessionEnded();
  });

  it('header blocks that are each allowed but too many together for one batch', async () => {
    const client = await connect({ kind: 'large-tops', bytes: 900 * 1024 });
    const few = await client.headers(numbers(20, 4));
    expect(few.map((info) => info.uid)).toEqual(['u20', 'u19', 'u18', 'u17']);
    await expect(client.headers(numbers(20, 20))).rejects.toMatchObject({ code: 'upstream_unavailable' });
    await expectSessionEnded();
  });

  it('a message the server says is too large is not read', async () => {
    const client = await connect({ kind: 'large-message', size: 8 * 1024 * 1024 });
    expect(await client.retrWhole(3, 1024 * 1024)).toEqual({ kind: 'too_large', size: 8 * 1024 * 1024 });
    await expectSessionEnded();
  });

  it('a message that never ends, whatever size was stated', async () => {
    const client = await connect({ kind: 'endless-retr', flood: 64 * 1024 * 1024 });
    await expect(client.retrWhole(3, 1024 * 1024)).rejects.toMatchObject({ code: 'upstream_unavailable' });
    await expectSessionEnded();
  });

  it('a message within the cap is read whole', async () => {
    const client = await connect({ kind: 'large-message', size: 64 * 1024 });
    const whole = await client.retrWhole(3, 1024 * 1024);
    expect(whole.kind).toBe('message');
    if (whole.kind === 'message') expect(whole.bytes.length).toBeGreaterThan(64 * 1024);
    await client.quit();
  });

  it('a listing with more entries than any maildrop this gateway serves', () => {
    const lines = Array.from({ length: MAX_LISTING_ENTRIES + 1 }, (_, i) => `${i + 1} a\r\n`).join('');
    expect(() => parseListing(Buffer.from(lines))).toThrow(expect.objectContaining({ kind: 'too_large' }));
    expect(parseListing(Buffer.from('1 a\r\n2 b\r\n'))).toEqual([
      { number: 1, value: 'a' },
      { number: 2, value: 'b' },
    ]);
  });
});
