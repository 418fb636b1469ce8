import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../../support/gateway.js';
import { createMailUser } from '../../support/mail-server.js';

/** Writes `bytes` on a fresh connection and returns everything the server sent until it closed. */
function exchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    socket.setTimeout(10_000, () => socket.destroy(new Error('the server neither answered nor closed')));
  });
}

function parse(raw: string): {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
} {
  const [head = '', body = ''] = raw.split('\r\n\r\n', 2);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: JSON.parse(body) as Record<string, unknown>,
  };
}

/** GET with a Host header of our choosing (fetch will not send one). */
function getWithHost(url: string, path: string, host: string, token: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { hostname, port, path, headers: { Host: host, Authorization: `Bearer ${token}` } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe("the real server's own refusals", () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it.each([
    [
      'a malformed header line',
      'GET /health HTTP/1.1\r\nHost: x\r\nnot a header\r\n\r\n',
      400,
      'invalid_request',
    ],
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', 400, 'invalid_request'],
    ['an HTTP/1.1 request without Host', 'GET /health HTTP/1.1\r\n\r\n', 400, 'invalid_request'],
    ['a Host header that is no host', 'GET /health HTTP/1.1\r\nHost: a b\r\n\r\n', 400, 'invalid_request'],
    [
      'headers over 16 KiB',
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'headers_too_large',
    ],
  ])('answers %s with problem+json and closes', async (_, bytes, status, code) => {
    const answer = parse(await exchange(gateway.url, bytes));
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.body).toMatchObject({ status, code, type: 'about:blank' });
    expect(typeof answer.body.detail).toBe('string');
  });

  it('answers them on a kept-alive connection after a finished response too', async () => {
    // A connection that has answered before (bytesWritten > 0) got no answer at all: clients saw it close.
    const { hostname, port } = new URL(gateway.url);
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    await expect.poll(() => received).toMatch(/^HTTP\/1\.1 200 [\s\S]*\r\n\r\n\{[\s\S]*\}$/);
    const first = received.length;
    socket.write(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    await closed;
    const answer = parse(received.slice(first));
    expect(answer.status).toBe(431);
    expect(answer.body).toMatchObject({ status: 431, code: 'headers_too_large' });
  });
});

describe('links in answers and the Host header', () => {
  let gateway: Gateway;
  let token: string;
  let id: string;

  beforeAll(async () => {
    gateway = await startGateway();
    const user = await createMailUser('links');
    await user.seed('INBOX', [
      {
        raw: 'From: a@example.com\r\nSubject: links\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=x.pdf\r\n\r\nJVBERi0=\r\n--b--\r\n',
      },
    ]);
    await gateway.addAccount('acct', user.account());
    token = await gateway.token(['acct'], 'read');
    const page = (await (await gateway.get('/v1/accounts/acct/mailboxes/INBOX/messages', token)).json()) as {
      messages: Array<{ id: string }>;
    };
    id = page.messages[0]!.id;
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
  });

  it('never follow a forged Host: they name the listening address', async () => {
    const message = JSON.parse(
      await getWithHost(gateway.url, `/v1/accounts/acct/messages/${id}`, 'evil.example', token),
    ) as { rawUrl: string; attachments: Array<{ downloadUrl: string }> };
    expect(message.rawUrl.startsWith(`${gateway.url}/v1/accounts/acct/messages/`)).toBe(true);
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]!.downloadUrl.startsWith(`${gateway.url}/`)).toBe(true);
  });

  it('follow a Host that is one of the listening names', async () => {
    const port = new URL(gateway.url).port;
    const message = JSON.parse(
      await getWithHost(gateway.url, `/v1/accounts/acct/messages/${id}`, `localhost:${port}`, token),
    ) as { rawUrl: string };
    expect(message.rawUrl.startsWith(`http://localhost:${port}/`)).toBe(true);
  });
});

describe('a client that sends its body too slowly', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await startGateway({ MAILGATE_REQUEST_TIMEOUT_MS: 300 });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('gets 408 request_timeout at the deadline and the connection closed', async () => {
    const token = await gateway.token('*', 'write');
    const head =
      'PATCH /v1/accounts/acct/messages/i-msg HTTP/1.1\r\nHost: x\r\n' +
      `Authorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`;
    const answer = parse(await exchange(gateway.url, `${head}{"flags":`));
    expect(answer.status).toBe(408);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.headers.connection).toBe('close');
    expect(answer.body.code).toBe('request_timeout');
  });
});
