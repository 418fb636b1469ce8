import { describe, expect, it } from 'vitest';
import { buildTestApp, readJson, readProblem, type TestRequestInit } from '../support/http-helpers.js';
import { buildDownload, buildMailData } from '../support/memory-store.js';

/**
 * The mailbox-nested message routes are deprecated aliases of the
 * account-level ones: they serve an id of the mailbox they name, refuse an id
 * of another mailbox with 404 message_not_found, and accept a role.
 */
const ACCOUNT = '/v1/accounts/alpha';

function setup() {
  const data = buildMailData();
  data.downloads['i-1'] = () =>
    buildDownload({ chunks: [new TextEncoder().encode('Subject: Invoice\r\n\r\n')] });
  data.downloads['i-1/2'] = () =>
    buildDownload({ chunks: [new Uint8Array([7, 8, 9])], contentType: 'application/pdf' });
  data.downloads['t-1'] = () => buildDownload();
  data.downloads['t-1/2'] = () => buildDownload({ chunks: [new Uint8Array([1])] });
  return { ...buildTestApp({ data }), data };
}

/** Every message route below `base` (a message URL), with a body that passes validation. */
function routes(base: string): Array<[name: string, path: string, init: TestRequestInit]> {
  return [
    ['get', base, {}],
    ['raw', `${base}/raw`, {}],
    ['attachment', `${base}/attachments/2`, {}],
    ['flags', base, { method: 'PATCH', json: { flags: { add: ['\\Flagged'] } } }],
    ['move', `${base}/move`, { method: 'POST', json: { to: 'Archive' } }],
    ['copy', `${base}/copy`, { method: 'POST', json: { to: 'Archive' } }],
    ['delete', base, { method: 'DELETE' }],
    ['permanent delete', `${base}?permanent=true`, { method: 'DELETE' }],
  ];
}

describe('mailbox-nested message aliases', () => {
  it.each(routes(`${ACCOUNT}/mailboxes/INBOX/messages/i-1`))(
    'serve %s for an id of the mailbox named, passing that mailbox as the scope',
    async (_name, path, init) => {
      const { request, stores } = setup();
      const response = await request(path, init);
      expect(response.status).toBeLessThan(300);
      await response.arrayBuffer();
      expect(stores.calls.at(-1)!.args.slice(0, 2)).toEqual([{ kind: 'path', path: 'INBOX' }, 'i-1']);
    },
  );

  it.each(routes(`${ACCOUNT}/messages/i-1`))(
    'have canonical counterparts: %s looks the id up with no scope',
    async (_name, path, init) => {
      const { request, stores } = setup();
      const response = await request(path, init);
      expect(response.status).toBeLessThan(300);
      await response.arrayBuffer();
      expect(stores.calls.at(-1)!.args.slice(0, 2)).toEqual([null, 'i-1']);
    },
  );

  it.each(routes(`${ACCOUNT}/mailboxes/INBOX/messages/t-1`))(
    'refuse %s with 404 message_not_found for an id of another mailbox, changing nothing',
    async (_name, path, init) => {
      const { request, data } = setup();
      const before = structuredClone(data.messages);
      const response = await request(path, init);
      expect(response.status).toBe(404);
      expect((await readProblem(response)).code).toBe('message_not_found');
      expect(data.messages).toEqual(before);
    },
  );

  it('serve the same message as the canonical route, with canonical links', async () => {
    const { request } = setup();
    const alias = await readJson(await request(`${ACCOUNT}/mailboxes/INBOX/messages/i-1`));
    const canonical = await readJson(await request(`${ACCOUNT}/messages/i-1`));
    expect(alias).toEqual(canonical);
    expect(alias.rawUrl).toBe(`http://127.0.0.1${ACCOUNT}/messages/i-1/raw`);
  });

  it('accept a role: ~trash deletes a message of Trash for good', async () => {
    const { request, data, stores } = setup();
    const response = await request(`${ACCOUNT}/mailboxes/~trash/messages/t-1`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(stores.calls.at(-1)!.args.slice(0, 2)).toEqual([{ kind: 'role', role: 'trash' }, 't-1']);
    expect(data.messages.some((m) => m.id === 't-1')).toBe(false);
  });

  it('refuse an id of another mailbox under a role too', async () => {
    const { request, data } = setup();
    const before = structuredClone(data.messages);
    for (const [path, init] of [
      [`${ACCOUNT}/mailboxes/~trash/messages/i-1`, { method: 'DELETE' }],
      [`${ACCOUNT}/mailboxes/~inbox/messages/t-1/raw`, {}],
    ] as const) {
      const response = await request(path, init);
      expect(response.status, path).toBe(404);
      expect((await readProblem(response)).code).toBe('message_not_found');
    }
    expect(data.messages).toEqual(before);
    expect((await request(`${ACCOUNT}/mailboxes/~inbox/messages/i-1`)).status).toBe(200);
  });

  it('answer 404 mailbox_not_found for an unknown role, never opening a store', async () => {
    const { request, stores } = setup();
    const response = await request(`${ACCOUNT}/mailboxes/~outbox/messages/i-1`);
    expect(response.status).toBe(404);
    expect((await readProblem(response)).code).toBe('mailbox_not_found');
    expect(stores.opened).toHaveLength(0);
  });
});
