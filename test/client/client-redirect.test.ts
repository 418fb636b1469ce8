import { describe, expect, it } from 'vitest';
import { createMailgateClient, type MailgateClientOptions } from '../../lib/client/index.js';
import { buildTestApp, TOKENS } from '../support/http-helpers.js';
import { buildDownload, buildMailbox, buildMessage } from '../support/memory-store.js';

/**
 * The deployed download flow, in process: the API (buffering, as behind API
 * Gateway) sends a download over MAILGATE_MAX_BUFFERED_BYTES to the
 * streaming endpoint with 307, as lib/http/buffered-limit.ts builds it; the
 * streaming endpoint serves it. The client follows that redirect with its
 * token only to an origin it was given.
 */

const API = 'https://api.example.test';
const STREAM = 'https://dl.example.test';
const SOURCE = 'Subject: x\r\n\r\nthe body of a large message\r\n';

function deployed() {
  const data = () => ({
    mailboxes: [buildMailbox()],
    messages: [buildMessage()],
    downloads: { 'i-msg-1': () => buildDownload({ chunks: [new TextEncoder().encode(SOURCE)] }) },
  });
  const api = buildTestApp({
    data: data(),
    config: { MAILGATE_MAX_BUFFERED_BYTES: 8, MAILGATE_DOWNLOAD_BASE_URL: `${STREAM}/` },
  });
  const stream = buildTestApp({ data: data() });
  const sent: Array<[string, string | null]> = [];
  const fetch = async (request: Request) => {
    sent.push([request.url, request.headers.get('authorization')]);
    const origin = new URL(request.url).origin;
    if (origin === API) return api.app.fetch(request);
    if (origin === STREAM) return stream.app.fetch(request);
    throw new Error(`no such host: ${origin}`);
  };
  const client = (options: Partial<MailgateClientOptions> = {}) =>
    createMailgateClient({ baseUrl: API, token: TOKENS.writeAlpha, fetch, ...options });
  return { sent, client };
}

const RAW = '/v1/accounts/alpha/messages/i-msg-1/raw';

describe('a large download of the deployed gateway', () => {
  it('is refused, the token kept, when the client was not given the streaming origin', async () => {
    const { sent, client } = deployed();
    await expect(client().downloadRaw('alpha', 'i-msg-1')).rejects.toMatchObject({
      status: 307,
      code: 'redirect_refused',
      message: expect.stringContaining(`redirected to ${STREAM}, which this client sends no token to`),
    });
    expect(sent.map(([url]) => url)).toEqual([`${API}${RAW}`]);
  });

  it('goes straight to downloadBaseUrl', async () => {
    const { sent, client } = deployed();
    const download = await client({ downloadBaseUrl: STREAM }).downloadRaw('alpha', 'i-msg-1');
    expect(await new Response(download.body).text()).toBe(SOURCE);
    expect(sent).toEqual([[`${STREAM}${RAW}`, `Bearer ${TOKENS.writeAlpha}`]]);
  });

  it('follows the 307 from the API with the token when the streaming origin is a downloadOrigin', async () => {
    const { sent, client } = deployed();
    const download = await client({ downloadOrigins: [STREAM] }).downloadRaw('alpha', 'i-msg-1');
    expect(await new Response(download.body).text()).toBe(SOURCE);
    expect(sent).toEqual([
      [`${API}${RAW}`, `Bearer ${TOKENS.writeAlpha}`],
      [`${STREAM}${RAW}`, `Bearer ${TOKENS.writeAlpha}`],
    ]);
  });
});
