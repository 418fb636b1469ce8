import { randomBytes } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { negotiateEncoding } from '../../lib/http/middleware/accept-encoding.js';
import { compression, MIN_COMPRESSED_BYTES } from '../../lib/http/middleware/compression.js';
import { buildTestApp } from '../support/http-helpers.js';
import { buildDownload, buildMailbox, buildMessage, type MemoryData } from '../support/memory-store.js';
import { deliver } from '../support/memory-writes.js';
import { buildRealisticInbox } from '../support/realistic-inbox.js';

const LIST = '/v1/accounts/alpha/mailboxes/INBOX/messages';

/** The body as the client reads it after undoing the announced coding. */
function decoded(response: Response, bytes: Uint8Array): string {
  const coding = response.headers.get('content-encoding');
  const buffer = Buffer.from(bytes);
  if (coding === 'br') return brotliDecompressSync(buffer).toString('utf8');
  if (coding === 'gzip') return gunzipSync(buffer).toString('utf8');
  if (coding !== null) throw new Error(`unexpected coding ${coding}`);
  return buffer.toString('utf8');
}

async function fetchAs(
  request: ReturnType<typeof buildTestApp>['request'],
  path: string,
  acceptEncoding: string | null,
  init: { method?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...init.headers };
  if (acceptEncoding !== null) headers['Accept-Encoding'] = acceptEncoding;
  const response = await request(path, { method: init.method ?? 'GET', headers });
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { response, bytes };
}

describe('Accept-Encoding negotiation', () => {
  const table: Array<[string | undefined, 'br' | 'gzip' | null]> = [
    [undefined, null],
    ['', null],
    ['identity', null],
    ['gzip', 'gzip'],
    ['x-gzip', 'gzip'],
    ['GZIP', 'gzip'],
    ['br', 'br'],
    ['gzip, br', 'br'],
    ['br, gzip', 'br'],
    ['gzip, deflate, br, zstd', 'br'],
    ['*', 'br'],
    ['deflate', null],
    ['gzip;q=1.0, br;q=0.5', 'gzip'],
    ['gzip;q=0.8, br;q=0.9', 'br'],
    ['gzip; q=0.5, br ; q = 0.5', 'br'],
    ['br;q=0, gzip', 'gzip'],
    ['br;q=0, gzip;q=0', null],
    ['br;q=0.000, gzip;q=0.001', 'gzip'],
    ['*;q=0', null],
    ['*;q=0, gzip', 'gzip'],
    ['*, br;q=0', 'gzip'],
    ['identity;q=0', null],
    ['identity;q=0, gzip', 'gzip'],
    ['gzip;q=0.5, identity', null],
    ['gzip;q=0.5, identity;q=0.4', 'gzip'],
    ['*;q=0.5, identity', null],
    ['gzip;q=0.5', 'gzip'],
    // Not well formed: the element is skipped, the rest still counts.
    ['br;q=2, gzip', 'gzip'],
    ['br;q=0.5000, gzip;q=0.1', 'gzip'],
    ['br;q=abc', null],
    ['gzip;level=9', 'gzip'],
    ['"br", gzip', 'gzip'],
    [`gzip, ${'x'.repeat(1100)}`, null],
  ];
  it.each(table)('%j → %s', (header, expected) => {
    expect(negotiateEncoding(header)).toBe(expected);
  });
});

describe('compressed JSON answers', () => {
  it('a realistic list of 50 is at most 6 KB on the wire with gzip and with br, and decodes to the same JSON', async () => {
    const { request } = buildTestApp({ data: buildRealisticInbox(50, { previews: 'short' }) });
    const plain = await fetchAs(request, LIST, null);
    expect(plain.response.headers.get('content-encoding')).toBeNull();
    const json = JSON.parse(decoded(plain.response, plain.bytes)) as { messages: unknown[] };
    expect(json.messages).toHaveLength(50);
    expect(plain.bytes.byteLength).toBeGreaterThan(25_000);

    for (const [header, coding] of [
      ['gzip', 'gzip'],
      ['br', 'br'],
      ['gzip, br', 'br'],
      ['gzip, deflate, br', 'br'],
    ] as const) {
      const { response, bytes } = await fetchAs(request, LIST, header);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-encoding'), header).toBe(coding);
      expect(response.headers.get('content-length')).toBe(String(bytes.byteLength));
      expect(response.headers.get('vary')).toBe('Accept-Encoding');
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(bytes.byteLength, header).toBeLessThanOrEqual(6 * 1024);
      expect(JSON.parse(decoded(response, bytes))).toEqual(json);
    }
  });

  it('previews of every length (a third at the full 256 characters) still shrink the list more than fivefold', async () => {
    const { request } = buildTestApp({ data: buildRealisticInbox(50) });
    const plain = await fetchAs(request, LIST, null);
    for (const header of ['gzip', 'br']) {
      const { response, bytes } = await fetchAs(request, LIST, header);
      expect(response.headers.get('content-encoding')).toBe(header);
      expect(bytes.byteLength * 5).toBeLessThan(plain.bytes.byteLength);
      expect(decoded(response, bytes)).toBe(decoded(plain.response, plain.bytes));
    }
  });

  it('says Vary: Accept-Encoding on JSON answers that are not coded: no header, identity only, a small body', async () => {
    const { request } = buildTestApp({ data: buildRealisticInbox(50) });
    for (const header of [null, 'identity', 'deflate', 'br;q=0, gzip;q=0']) {
      const { response, bytes } = await fetchAs(request, LIST, header);
      expect(response.headers.get('content-encoding'), String(header)).toBeNull();
      expect(response.headers.get('vary')).toBe('Accept-Encoding');
      expect(JSON.parse(decoded(response, bytes))).toHaveProperty('messages');
    }
    const health = await fetchAs(request, '/health', 'gzip, br');
    expect(health.bytes.byteLength).toBeLessThan(MIN_COMPRESSED_BYTES);
    expect(health.response.headers.get('content-encoding')).toBeNull();
    expect(health.response.headers.get('vary')).toBe('Accept-Encoding');
  });

  it('codes a message, the changes and the mailbox list, and problem+json answers carry Vary', async () => {
    const data = buildRealisticInbox(50);
    const id = data.messages[0]!.id;
    for (let i = 0; i < 40; i++) {
      data.mailboxes.push(buildMailbox({ path: `Projects/Client ${i}`, name: `Client ${i}`, role: null }));
    }
    const { request } = buildTestApp({ data });
    for (const path of [`/v1/accounts/alpha/messages/${id}`, '/v1/accounts/alpha/mailboxes']) {
      const plain = await fetchAs(request, path, null);
      expect(plain.bytes.byteLength, path).toBeGreaterThan(MIN_COMPRESSED_BYTES);
      const { response, bytes } = await fetchAs(request, path, 'gzip, br');
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-encoding'), path).toBe('br');
      expect(response.headers.get('vary')).toBe('Accept-Encoding');
      expect(bytes.byteLength).toBeLessThan(plain.bytes.byteLength);
      expect(decoded(response, bytes)).toBe(decoded(plain.response, plain.bytes));
    }
    // Changes: 20 messages delivered since a state.
    const { state } = (await (await request('/v1/accounts/alpha/mailboxes/INBOX')).json()) as {
      state: string;
    };
    for (const message of buildRealisticInbox(70).messages.slice(50)) deliver(data, message);
    const changesPath = `/v1/accounts/alpha/mailboxes/INBOX/changes?since=${state}`;
    const plainChanges = await fetchAs(request, changesPath, null);
    expect(
      (JSON.parse(decoded(plainChanges.response, plainChanges.bytes)) as { created: unknown[] }).created,
    ).toHaveLength(20);
    const changes = await fetchAs(request, changesPath, 'gzip');
    expect(changes.response.headers.get('content-encoding')).toBe('gzip');
    expect(changes.bytes.byteLength * 3).toBeLessThan(plainChanges.bytes.byteLength);
    expect(decoded(changes.response, changes.bytes)).toBe(decoded(plainChanges.response, plainChanges.bytes));

    const missing = await fetchAs(request, '/v1/accounts/alpha/messages/nope', 'gzip, br');
    expect(missing.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(missing.response.headers.get('vary')).toBe('Accept-Encoding');
  });

  it('codes the OpenAPI document', async () => {
    const { request } = buildTestApp();
    const plain = await fetchAs(request, '/openapi.json', null);
    const { response, bytes } = await fetchAs(request, '/openapi.json', 'gzip');
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect(bytes.byteLength * 4).toBeLessThan(plain.bytes.byteLength);
    expect(JSON.parse(decoded(response, bytes))).toEqual(JSON.parse(decoded(plain.response, plain.bytes)));
  });

  it('leaves HEAD and 304 uncoded, with Vary', async () => {
    const data = buildRealisticInbox(50);
    const id = data.messages[0]!.id;
    const { request } = buildTestApp({ data });
    const head = await fetchAs(request, LIST, 'gzip, br', { method: 'HEAD' });
    expect(head.response.status).toBe(200);
    expect(head.response.headers.get('content-encoding')).toBeNull();
    expect(head.response.headers.get('vary')).toBe('Accept-Encoding');

    const first = await fetchAs(request, `/v1/accounts/alpha/messages/${id}`, 'gzip, br');
    const etag = first.response.headers.get('etag')!;
    expect(etag).toMatch(/^W\//);
    const again = await fetchAs(request, `/v1/accounts/alpha/messages/${id}`, 'gzip, br', {
      headers: { 'If-None-Match': etag },
    });
    expect(again.response.status).toBe(304);
    expect(again.bytes.byteLength).toBe(0);
    expect(again.response.headers.get('content-encoding')).toBeNull();
    expect(again.response.headers.get('etag')).toBe(etag);
    expect(again.response.headers.get('vary')).toBe('Accept-Encoding');
  });

  it('sends a coded body only when it is smaller after base64, where the runtime base64-encodes it (Lambda)', async () => {
    // Random printable ASCII: gzip takes it to about 5/6, which base64 grows back past the original.
    const printable = [
      ...' !#$%&()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~',
    ];
    const text = [...randomBytes(20_000)].map((byte) => printable[byte % printable.length]).join('');
    const data: MemoryData = {
      mailboxes: [buildMailbox()],
      messages: [buildMessage({ text })],
      downloads: {},
    };
    const path = '/v1/accounts/alpha/messages/i-msg-1';
    const direct = await fetchAs(buildTestApp({ data }).request, path, 'gzip');
    expect(direct.response.headers.get('content-encoding')).toBe('gzip');
    const buffered = buildTestApp({ data, config: { MAILGATE_MAX_BUFFERED_BYTES: 4 * 1024 * 1024 } });
    const { response, bytes } = await fetchAs(buffered.request, path, 'gzip');
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(response.headers.get('vary')).toBe('Accept-Encoding');
    expect(response.headers.get('content-length')).toBe(String(bytes.byteLength));
    expect(JSON.parse(decoded(response, bytes))).toHaveProperty('text', text);
    // Ordinary JSON still shrinks well past the base64 growth.
    const list = buildTestApp({
      data: buildRealisticInbox(50),
      config: { MAILGATE_MAX_BUFFERED_BYTES: 4 * 1024 * 1024 },
    });
    expect((await fetchAs(list.request, LIST, 'br')).response.headers.get('content-encoding')).toBe('br');
  });

  it('codes a large answer (off the event loop) to the same JSON', async () => {
    const text = Array.from({ length: 40_000 }, (_, i) => `line ${i} of a long message body`).join('\n');
    const data: MemoryData = {
      mailboxes: [buildMailbox()],
      messages: [buildMessage({ text })],
      downloads: {},
    };
    const { request } = buildTestApp({ data });
    for (const header of ['br', 'gzip']) {
      const { response, bytes } = await fetchAs(request, '/v1/accounts/alpha/messages/i-msg-1', header);
      expect(response.headers.get('content-encoding')).toBe(header);
      expect(response.headers.get('content-length')).toBe(String(bytes.byteLength));
      expect(bytes.byteLength).toBeLessThan(text.length / 4);
      expect(JSON.parse(decoded(response, bytes))).toHaveProperty('text', text);
    }
  });

  it('weakens a strong ETag on a coded answer, and keeps an existing Vary', async () => {
    const app = new Hono();
    app.use('*', compression({ base64Body: false }));
    const big = { items: Array.from({ length: 200 }, (_, i) => ({ i, name: `item ${i}` })) };
    app.get('/', (c) => c.json(big, 200, { ETag: '"strong-tag"', Vary: 'Origin' }));
    const coded = await app.request('/', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(coded.headers.get('content-encoding')).toBe('gzip');
    expect(coded.headers.get('etag')).toBe('W/"strong-tag"');
    expect(coded.headers.get('vary')).toBe('Origin, Accept-Encoding');
    const plain = await app.request('/');
    expect(plain.headers.get('etag')).toBe('"strong-tag"');
    expect(plain.headers.get('vary')).toBe('Origin, Accept-Encoding');
  });
});

describe('downloads are never coded', () => {
  const raw = new TextEncoder().encode(
    `Subject: A long one\r\nContent-Type: text/plain\r\n\r\n${'All work and no play. '.repeat(400)}\r\n`,
  );
  const jsonAttachment = new TextEncoder().encode(
    JSON.stringify({ rows: Array(300).fill({ a: 1, b: 'two' }) }),
  );

  function downloadsApp() {
    return buildTestApp({
      data: {
        mailboxes: [buildMailbox()],
        messages: [
          buildMessage({
            attachments: [
              {
                id: '2',
                filename: 'rows.json',
                contentType: 'application/json',
                size: jsonAttachment.byteLength,
                disposition: 'attachment',
                contentId: null,
              },
            ],
          }),
        ],
        downloads: {
          'i-msg-1': () => buildDownload({ chunks: [raw.slice(0, 1000), raw.slice(1000)] }),
          'i-msg-1/2': () =>
            buildDownload({
              contentType: 'application/json',
              filename: 'rows.json',
              chunks: [jsonAttachment],
            }),
        },
      },
    });
  }

  it.each([
    ['raw message/rfc822', '/v1/accounts/alpha/messages/i-msg-1/raw', raw],
    ['a JSON attachment', '/v1/accounts/alpha/messages/i-msg-1/attachments/2', jsonAttachment],
  ])('%s: exact bytes, exact Content-Length, strong ETag, no coding', async (_, path, expected) => {
    const { request } = downloadsApp();
    for (const header of ['gzip, br', 'br', '*', null]) {
      const { response, bytes } = await fetchAs(request, path, header);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-encoding'), String(header)).toBeNull();
      expect(response.headers.get('content-length')).toBe(String(expected.byteLength));
      expect(response.headers.get('etag')).toMatch(/^"/);
      expect(response.headers.get('vary')).toBeNull();
      expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true);
    }
  });
});
