import { describe, expect, it } from 'vitest';
import { exactLength } from '../../../lib/http/exact-length.js';

async function* chunks(...pieces: string[]): AsyncGenerator<Uint8Array> {
  for (const piece of pieces) yield Buffer.from(piece);
}

/** What a consumer got before the body ended, and how it ended. */
async function drain(body: AsyncIterable<Uint8Array>): Promise<{ got: string; error: unknown }> {
  let got = '';
  try {
    for await (const chunk of body) got += Buffer.from(chunk).toString();
    return { got, error: null };
  } catch (error) {
    return { got, error };
  }
}

describe('exactLength', () => {
  it('passes a body of exactly the declared length through whole', async () => {
    expect(await drain(exactLength(chunks('abc', '', 'de', 'f'), 6))).toEqual({ got: 'abcdef', error: null });
    expect(await drain(exactLength(chunks(), 0))).toEqual({ got: '', error: null });
  });

  it('fails a longer body without passing on its last declared byte, let alone one past it', async () => {
    const result = await drain(exactLength(chunks('abc', 'def', 'HTTP/1.1 200 OK'), 6));
    expect(result.got).toBe('abcde');
    expect(result.error).toMatchObject({ name: 'DownloadLengthError' });
    const crossing = await drain(exactLength(chunks('abcd', 'efgh'), 6));
    expect(crossing.got).toBe('abcd');
    expect(crossing.error).toMatchObject({ name: 'DownloadLengthError' });
  });

  it('fails a shorter body once it ends', async () => {
    const result = await drain(exactLength(chunks('abc'), 6));
    expect(result.got).toBe('abc');
    expect(result.error).toMatchObject({
      name: 'DownloadLengthError',
      message: expect.stringContaining('3 of the 6'),
    });
  });

  it('closes the source when it stops early', async () => {
    let closed = false;
    const source = (async function* () {
      try {
        yield Buffer.from('abcdef');
        yield Buffer.from('more');
      } finally {
        closed = true;
      }
    })();
    await drain(exactLength(source, 3));
    expect(closed).toBe(true);
  });
});
