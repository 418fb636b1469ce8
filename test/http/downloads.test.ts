import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentDisposition } from '../../lib/http/content-disposition.js';
import type { Download } from '../../lib/mail/types.js';
import { buildTestApp, readJson, readProblem } from '../support/http-helpers.js';
import { buildDownload, buildMailbox, buildMessage } from '../support/memory-store.js';

const MESSAGE = '/v1/accounts/alpha/messages/i-msg-1';

function appWith(downloads: Record<string, () => Download>) {
  return buildTestApp({
    data: {
      mailboxes: [buildMailbox()],
      messages: [
        buildMessage({
          attachments: [
            {
              id: '2',
              filename: 'Résumé 2026.pdf',
              contentType: 'application/pdf',
              size: 3,
              disposition: 'attachment',
              contentId: null,
            },
          ],
        }),
      ],
      downloads,
    },
  });
}

/** A body that counts how far it was read and whether it was told to stop. */
function trackedBody(chunks: number) {
  const state = { yielded: 0, finished: false };
  const body = (async function* () {
    try {
      for (let i = 0; i < chunks; i++) {
        state.yielded += 1;
        yield new Uint8Array(1024).fill(i % 256);
      }
    } finally {
      state.finished = true;
    }
  })();
  return { state, body };
}

describe('raw download', () => {
  it('streams the source byte for byte as message/rfc822 and closes the store', async () => {
    const source = new TextEncoder().encode('Subject: x\r\n\r\n\u00e9\r\n.\r\n');
    const { request, stores } = appWith({
      'i-msg-1': () =>
        buildDownload({ chunks: [source.slice(0, 5), source.slice(5)], filename: 'message.eml' }),
    });
    const response = await request(`${MESSAGE}/raw`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('message/rfc822');
    expect(response.headers.get('content-length')).toBe(String(source.byteLength));
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      createHash('sha256').update(source).digest('hex'),
    );
    expect(stores.opened[0]!.closeCount).toBe(1);
  });
});

describe('attachment download', () => {
  it('sends the part with its content type, RFC 6266 disposition and length', async () => {
    const { request } = appWith({
      'i-msg-1/2': () =>
        buildDownload({
          chunks: [new Uint8Array([1, 2, 3])],
          contentType: 'text/plain; charset=iso-8859-1',
          filename: 'Résumé 2026.txt',
          disposition: 'attachment',
        }),
    });
    const response = await request(`${MESSAGE}/attachments/2`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=iso-8859-1');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="Resume 2026.txt"; filename*=UTF-8''R%C3%A9sum%C3%A9%202026.txt`,
    );
    expect(response.headers.get('content-length')).toBe('3');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([1, 2, 3]);
  });

  it('omits Content-Length when the size is unknown', async () => {
    const { request } = appWith({ 'i-msg-1/2': () => buildDownload({ size: null }) });
    const response = await request(`${MESSAGE}/attachments/2`);
    expect(response.headers.get('content-length')).toBeNull();
    await response.arrayBuffer();
  });

  it('replaces a content type that could break the header', async () => {
    const { request } = appWith({
      'i-msg-1/2': () => buildDownload({ contentType: 'text/html\u00ff; x="\u2028"' }),
    });
    const response = await request(`${MESSAGE}/attachments/2`);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    await response.arrayBuffer();
  });

  it('closes the store when the client cancels mid-stream', async () => {
    const tracked = trackedBody(1000);
    const { request, stores } = appWith({
      'i-msg-1/2': () => buildDownload({ size: 1000 * 1024, body: tracked.body }),
    });
    const response = await request(`${MESSAGE}/attachments/2`);
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    expect(stores.opened[0]!.closeCount).toBe(1);
    // Pulled on demand: cancelling early means most of the body was never produced.
    expect(tracked.state.yielded).toBeLessThan(10);
    await expect.poll(() => tracked.state.finished).toBe(true);
  });

  it('closes the store when the body fails mid-stream', async () => {
    const { request, stores } = appWith({
      'i-msg-1/2': () =>
        buildDownload({
          size: 10,
          body: (async function* () {
            yield new Uint8Array([1]);
            throw new Error('socket reset');
          })(),
        }),
    });
    const response = await request(`${MESSAGE}/attachments/2`);
    await expect(response.arrayBuffer()).rejects.toThrow();
    expect(stores.opened[0]!.closeCount).toBe(1);
  });

  it('closes the store for a HEAD request, whose body is never read', async () => {
    const tracked = trackedBody(5);
    const { request, stores } = appWith({
      'i-msg-1/2': () => buildDownload({ size: 5 * 1024, body: tracked.body }),
    });
    const response = await request(`${MESSAGE}/attachments/2`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(5 * 1024));
    expect(stores.opened[0]!.closeCount).toBe(1);
  });

  it('closes the store when the attachment does not exist', async () => {
    const { request, stores } = appWith({});
    const response = await request(`${MESSAGE}/attachments/9`);
    expect(response.status).toBe(404);
    expect((await readProblem(response)).code).toBe('attachment_not_found');
    expect(stores.opened[0]!.closeCount).toBe(1);
  });
});

describe('message links', () => {
  it('builds absolute rawUrl and downloadUrl from the request origin', async () => {
    const { request } = appWith({});
    const message = await readJson(await request(MESSAGE));
    expect(message.rawUrl).toBe(`http://127.0.0.1${MESSAGE}/raw`);
    expect(message.attachments?.[0]?.downloadUrl).toBe(`http://127.0.0.1${MESSAGE}/attachments/2`);
  });

  it('uses MAILGATE_DOWNLOAD_BASE_URL when set', async () => {
    const { request } = buildTestApp({
      config: { MAILGATE_DOWNLOAD_BASE_URL: 'https://dl.example.test/prod/' },
    });
    const message = await readJson(await request(MESSAGE));
    expect(message.rawUrl).toBe(`https://dl.example.test/prod${MESSAGE}/raw`);
  });
});

describe('contentDisposition', () => {
  it.each([
    [null, 'attachment'],
    ['report.pdf', 'attachment; filename="report.pdf"'],
    ['a"b.txt', `attachment; filename="a_b.txt"; filename*=UTF-8''a%22b.txt`],
    ['C:\\Users\\x\\evil.exe', 'attachment; filename="evil.exe"'],
    ['../../etc/passwd', 'attachment; filename="passwd"'],
    ['日本語.txt', `attachment; filename="_.txt"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.txt`],
    ["it's (1).txt", `attachment; filename="it's (1).txt"`],
  ])('renders %j as %s', (filename, header) => {
    expect(contentDisposition('attachment', filename)).toBe(header);
  });
});
