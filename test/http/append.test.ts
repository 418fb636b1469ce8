import { describe, expect, it } from 'vitest';
import { buildTestApp, readJson, readProblem } from '../support/http-helpers.js';
import { buildMailData } from '../support/memory-store.js';

const MESSAGES = '/v1/accounts/alpha/mailboxes/Projects%2F2026/messages';
const MESSAGE = 'From: Bob <bob@example.test>\r\nSubject: Quarterly report\r\n\r\nNumbers attached.\r\n';
const LIMIT = 4096;

function setup() {
  const data = buildMailData();
  const app = buildTestApp({ data, config: { MAILGATE_MAX_UPLOAD_BYTES: LIMIT } });
  return { ...app, data };
}

const rfc822 = (body: RequestInit['body'], headers: Record<string, string> = {}) => ({
  method: 'POST',
  body,
  headers: { 'Content-Type': 'message/rfc822', ...headers },
});

/** A body sent in chunks with no Content-Length, as a chunked upload arrives. */
function chunkedBody(size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      const chunk = new TextEncoder().encode(sent === 0 ? 'Subject: big\r\n\r\n' : 'x'.repeat(1024));
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
}

describe('POST …/mailboxes/{mailbox}/messages (append)', () => {
  it('stores a message/rfc822 body byte for byte and answers 201 with its id and Location', async () => {
    const { request, data, stores } = setup();
    const response = await request(MESSAGES, rfc822(MESSAGE));
    expect(response.status).toBe(201);
    const { id } = await readJson<{ id: string }>(response);
    expect(response.headers.get('location')).toBe(`/v1/accounts/alpha/messages/${encodeURIComponent(id)}`);
    expect(data.messages.find((m) => m.id === id)).toMatchObject({
      mailbox: 'Projects/2026',
      subject: 'Quarterly report',
    });
    const input = stores.calls.at(-1)!.args[1] as { raw: Buffer; flags: string[]; date: Date | null };
    expect(input.raw.toString('utf8')).toBe(MESSAGE);
    expect(input).toMatchObject({ flags: [], date: null });
  });

  it('stores a JSON upload with its flags and received time', async () => {
    const { request, data } = setup();
    const response = await request(MESSAGES, {
      method: 'POST',
      json: {
        raw: Buffer.from(MESSAGE)
          .toString('base64')
          .replace(/(.{40})/g, '$1\r\n'),
        flags: ['\\seen', '$Forwarded'],
        date: '2026-03-04T05:06:07+01:00',
      },
    });
    expect(response.status).toBe(201);
    const { id } = await readJson<{ id: string }>(response);
    expect(data.messages.find((m) => m.id === id)).toMatchObject({
      flags: ['\\Seen', '$Forwarded'],
      seen: true,
      receivedAt: '2026-03-04T04:06:07.000Z',
      size: Buffer.byteLength(MESSAGE),
    });
  });

  it('answers 413 by Content-Length before reading the body, and never opens a store', async () => {
    const { request, stores } = setup();
    const response = await request(
      MESSAGES,
      rfc822(`Subject: x\r\n\r\n${'y'.repeat(LIMIT)}`, { 'Content-Length': String(LIMIT + 100) }),
    );
    expect(response.status).toBe(413);
    expect((await readProblem(response)).code).toBe('payload_too_large');
    expect(stores.opened).toHaveLength(0);
  });

  it('answers 413 while reading a body that has no Content-Length', async () => {
    const { app, stores } = setup();
    const response = await app.request(`http://127.0.0.1${MESSAGES}`, {
      method: 'POST',
      headers: { Authorization: 'Bearer write-alpha-token-1b8e2d', 'Content-Type': 'message/rfc822' },
      body: chunkedBody(LIMIT * 4),
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect((await readProblem(response)).code).toBe('payload_too_large');
    expect(stores.opened).toHaveLength(0);
  });

  it('accepts a message of exactly the limit', async () => {
    const { request } = setup();
    const head = 'Subject: fits\r\n\r\n';
    const response = await request(MESSAGES, rfc822(head + 'z'.repeat(LIMIT - head.length)));
    expect(response.status).toBe(201);
  });

  it('answers 413 for a JSON upload whose decoded message is over the limit', async () => {
    const { request, stores } = setup();
    const raw = Buffer.from(`Subject: x\r\n\r\n${'y'.repeat(LIMIT)}`).toString('base64');
    const response = await request(MESSAGES, { method: 'POST', json: { raw } });
    expect(response.status).toBe(413);
    expect(stores.opened).toHaveLength(0);
  });

  it.each([
    ['text/plain', { 'Content-Type': 'text/plain' }],
    ['multipart/form-data', { 'Content-Type': 'multipart/form-data; boundary=x' }],
    ['no Content-Type', {}],
  ])('answers 415 for %s', async (_name, headers) => {
    const { request, stores } = setup();
    // Bytes, not a string: a string body would get a text/plain Content-Type of its own.
    const body = new TextEncoder().encode(MESSAGE);
    const response = await request(MESSAGES, { method: 'POST', body, headers });
    expect(response.status).toBe(415);
    expect((await readProblem(response)).code).toBe('unsupported_media_type');
    expect(stores.opened).toHaveLength(0);
  });

  it.each([
    ['an empty body', ''],
    ['plain text', 'Hello, this is not a message.\r\n'],
    ['a body before any header', '\r\nSubject: late\r\n'],
    ['an mbox From line', 'From bob@example.test Mon Jan  1 00:00:00 2026\r\nSubject: x\r\n\r\nbody'],
    ['a header block not ended by an empty line', 'Subject: x\r\nthis line is no header\r\n\r\nbody'],
    ['a NUL byte in the header', 'Subject: a\0b\r\n\r\nbody'],
    ['only a field name with a space', 'Not A Header: x\r\n\r\nbody'],
  ])('answers 400 for %s and never opens a store', async (_name, body) => {
    const { request, stores } = setup();
    const response = await request(MESSAGES, rfc822(body));
    expect(response.status).toBe(400);
    expect((await readProblem(response)).code).toBe('invalid_request');
    expect(stores.opened).toHaveLength(0);
  });

  it('accepts a header-only message and bare LF line endings', async () => {
    const { request } = setup();
    expect((await request(MESSAGES, rfc822('Subject: only headers\r\n'))).status).toBe(201);
    expect((await request(MESSAGES, rfc822('Subject: unix\n\nbody\n'))).status).toBe(201);
  });

  it.each([
    ['raw that is not base64', { raw: 'not base64!' }],
    ['raw with a bad length', { raw: 'U3ViamVjdA' }],
    ['a bad flag', { raw: Buffer.from(MESSAGE).toString('base64'), flags: ['\\Recent'] }],
    ['a date without a zone', { raw: Buffer.from(MESSAGE).toString('base64'), date: '2026-03-04T05:06:07' }],
    ['no raw', { flags: ['\\Seen'] }],
    ['an unknown member', { raw: Buffer.from(MESSAGE).toString('base64'), folder: 'x' }],
  ])('answers 400 for JSON with %s', async (_name, json) => {
    const { request, stores } = setup();
    const response = await request(MESSAGES, { method: 'POST', json });
    expect(response.status).toBe(400);
    expect((await readProblem(response)).code).toBe('invalid_request');
    expect(stores.opened).toHaveLength(0);
  });

  it('answers 404 for a missing mailbox', async () => {
    const { request, data } = setup();
    const count = data.messages.length;
    const response = await request('/v1/accounts/alpha/mailboxes/Nowhere/messages', rfc822(MESSAGE));
    expect(response.status).toBe(404);
    expect((await readProblem(response)).code).toBe('mailbox_not_found');
    expect(data.messages).toHaveLength(count);
  });
});
