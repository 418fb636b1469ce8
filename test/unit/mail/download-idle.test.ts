import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import {
  DOWNLOAD_SLICE_BYTES,
  DownloadStalledError,
  guardDownload,
} from '../../../lib/mail/download-idle.js';

/** A source yielding `count` chunks of `size` bytes, `gapMs` apart. */
async function* source(count: number, size: number, gapMs: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i += 1) {
    await delay(gapMs);
    yield new Uint8Array(size);
  }
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<number[]> {
  const sizes: number[] = [];
  for await (const chunk of body) sizes.push(chunk.length);
  return sizes;
}

describe('guardDownload', () => {
  test('passes every byte on, in slices of at most 64 KiB', async () => {
    const sizes = await drain(
      guardDownload(source(2, 150_000, 0), { idleMs: 1_000, minBytes: 1, onStall: () => undefined }),
    );
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(300_000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(DOWNLOAD_SLICE_BYTES);
  });

  test('a trickle of tiny chunks is a server stall, however often they come', async () => {
    const stalls: DownloadStalledError[] = [];
    const body = guardDownload(source(1_000, 10, 2), {
      idleMs: 60,
      minBytes: 4_096,
      onStall: (error) => stalls.push(error),
    });
    await expect(drain(body)).rejects.toMatchObject({ name: 'DownloadStalledError', side: 'server' });
    expect(stalls).toHaveLength(1);
  });

  test('a silent source is a server stall, and onStall runs before the body fails', async () => {
    let stalled = false;
    async function* silent(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(10);
      await new Promise(() => undefined);
    }
    const body = guardDownload(silent(), { idleMs: 50, minBytes: 1, onStall: () => (stalled = true) });
    await expect(drain(body)).rejects.toBeInstanceOf(DownloadStalledError);
    expect(stalled).toBe(true);
  });

  test('a slow source with enough bytes in each window is not a stall', async () => {
    const sizes = await drain(
      guardDownload(source(10, 5_000, 20), { idleMs: 60, minBytes: 4_096, onStall: () => undefined }),
    );
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(50_000);
  });

  test('a reader that takes nothing for idleMs: onStall at once, the next read fails (client side)', async () => {
    let stalled: DownloadStalledError | null = null;
    const chunks = guardDownload(source(3, 10, 0), {
      idleMs: 50,
      minBytes: 1,
      onStall: (error) => {
        stalled = error;
      },
    })[Symbol.asyncIterator]();
    await chunks.next();
    await delay(150);
    expect(stalled).not.toBeNull();
    await expect(chunks.next()).rejects.toMatchObject({ side: 'client' });
  });

  test('time the reader takes does not count against the server', async () => {
    const chunks = guardDownload(source(4, 5_000, 0), { idleMs: 100, minBytes: 1, onStall: () => undefined })[
      Symbol.asyncIterator
    ]();
    let total = 0;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      total += next.value.length;
      await delay(60);
    }
    expect(total).toBe(20_000);
  });
});
