import { describe, expect, it } from 'vitest';
import { buildTestApp, readJson, readProblem } from '../support/http-helpers.js';
import { buildMailData } from '../support/memory-store.js';

const MESSAGES = '/v1/accounts/alpha/messages';

function setup() {
  const data = buildMailData();
  const app = buildTestApp({ data });
  const find = (id: string) => data.messages.find((message) => message.id === id);
  return { ...app, data, find };
}

describe('PATCH …/messages/{id} (flags)', () => {
  it('adds and removes flags, answering with the flags the store reports', async () => {
    const { request, find } = setup();
    const response = await request(`${MESSAGES}/i-2`, {
      method: 'PATCH',
      json: { flags: { add: ['\\Flagged', '$Forwarded'], remove: ['\\Seen'] } },
    });
    expect(response.status).toBe(200);
    expect(await readJson(response)).toEqual({ id: 'i-2', flags: ['\\Flagged', '$Forwarded'] });
    expect(find('i-2')).toMatchObject({ seen: false, flagged: true, flags: ['\\Flagged', '$Forwarded'] });
  });

  it('replaces every flag with set, and set [] clears them', async () => {
    const { request, find } = setup();
    await request(`${MESSAGES}/i-3`, { method: 'PATCH', json: { flags: { set: ['\\Answered'] } } });
    expect(find('i-3')!.flags).toEqual(['\\Answered']);
    await request(`${MESSAGES}/i-3`, { method: 'PATCH', json: { flags: { set: [] } } });
    expect(find('i-3')!.flags).toEqual([]);
  });

  it('sends system flags in their canonical spelling whatever case the client used', async () => {
    const { request, stores } = setup();
    await request(`${MESSAGES}/i-1`, {
      method: 'PATCH',
      json: { flags: { add: ['\\SEEN', '\\flagged', '\\seen'] } },
    });
    expect(stores.calls.at(-1)).toEqual({
      method: 'updateFlags',
      args: [null, 'i-1', { add: ['\\Seen', '\\Flagged'], remove: [] }],
    });
  });

  it.each([
    ['\\Recent', { add: ['\\Recent'] }],
    ['an unknown system flag', { add: ['\\Important'] }],
    ['a keyword with a space', { add: ['two words'] }],
    ['a keyword with a bracket', { add: ['bad]'] }],
    ['a keyword with a parenthesis', { remove: ['a(b'] }],
    ['a keyword with a wildcard', { add: ['a*'] }],
    ['a keyword with a quote', { add: ['a"b'] }],
    ['a non-ASCII keyword', { add: ['café'] }],
    ['a control character', { add: ['a\u0001b'] }],
    ['an empty keyword', { add: [''] }],
    ['a keyword over 100 characters', { add: ['k'.repeat(101)] }],
    ['an empty change', { add: [], remove: [] }],
    ['no change at all', {}],
    ['set combined with add', { set: ['\\Seen'], add: ['\\Flagged'] }],
    ['a flag both added and removed', { add: ['\\Seen'], remove: ['\\seen'] }],
    ['an unknown member', { add: ['\\Seen'], toggle: ['\\Flagged'] }],
  ])('refuses %s with 400 and never opens a store', async (_name, flags) => {
    const { request, stores, data } = setup();
    const before = structuredClone(data.messages);
    const response = await request(`${MESSAGES}/i-1`, { method: 'PATCH', json: { flags } });
    expect(response.status).toBe(400);
    expect((await readProblem(response)).code).toBe('invalid_request');
    expect(stores.opened).toHaveLength(0);
    expect(data.messages).toEqual(before);
  });

  it('refuses a body that is not JSON with 415, and a missing body with 400', async () => {
    const { request, stores } = setup();
    const text = await request(`${MESSAGES}/i-1`, {
      method: 'PATCH',
      body: 'flags=\\Seen',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect((await readProblem(text)).code).toBe('unsupported_media_type');
    const empty = await request(`${MESSAGES}/i-1`, { method: 'PATCH' });
    expect(empty.status).toBe(400);
    const malformed = await request(`${MESSAGES}/i-1`, {
      method: 'PATCH',
      body: '{"flags":',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect((await readProblem(malformed)).code).toBe('invalid_request');
    expect(stores.opened).toHaveLength(0);
  });

  it('answers 404 message_not_found for a message that is not there', async () => {
    const { request, stores } = setup();
    const response = await request(`${MESSAGES}/nope`, {
      method: 'PATCH',
      json: { flags: { add: ['\\Seen'] } },
    });
    expect(response.status).toBe(404);
    expect((await readProblem(response)).code).toBe('message_not_found');
    expect(stores.opened[0]!.closeCount).toBeGreaterThan(0);
  });
});

describe('POST …/move and …/copy', () => {
  it('moves a message and answers with its new id and mailbox', async () => {
    const { request, data } = setup();
    const response = await request(`${MESSAGES}/i-1/move`, {
      method: 'POST',
      json: { to: 'Projects/2026' },
    });
    expect(response.status).toBe(200);
    const moved = await readJson<{ id: string; mailbox: string }>(response);
    expect(moved.mailbox).toBe('Projects/2026');
    expect(moved.id).not.toBe('i-1');
    expect(data.messages.filter((m) => m.subject === 'Invoice').map((m) => [m.id, m.mailbox])).toEqual([
      [moved.id, 'Projects/2026'],
    ]);
  });

  it('resolves a role destination', async () => {
    const { request, data } = setup();
    const response = await request(`${MESSAGES}/i-2/move`, {
      method: 'POST',
      json: { to: '~archive' },
    });
    expect(response.status).toBe(200);
    expect((await readJson(response)).mailbox).toBe('Archive');
    expect(data.messages.find((m) => m.subject === 'Holiday')!.mailbox).toBe('Archive');
  });

  it('copies a message, leaving the original in place', async () => {
    const { request, data } = setup();
    const response = await request(`${MESSAGES}/i-3/copy`, { method: 'POST', json: { to: 'Archive' } });
    expect(response.status).toBe(200);
    const copy = await readJson<{ id: string; mailbox: string }>(response);
    expect(copy.mailbox).toBe('Archive');
    const places = data.messages.filter((m) => m.subject === 'Invoice again').map((m) => [m.id, m.mailbox]);
    expect(places).toEqual([
      ['i-3', 'INBOX'],
      [copy.id, 'Archive'],
    ]);
  });

  it('answers 404 mailbox_not_found for a missing destination and changes nothing', async () => {
    const { request, data } = setup();
    const before = structuredClone(data);
    for (const to of ['Nowhere', '~junk', '~bogus']) {
      const response = await request(`${MESSAGES}/i-1/move`, { method: 'POST', json: { to } });
      expect(response.status, to).toBe(404);
      expect((await readProblem(response)).code).toBe('mailbox_not_found');
    }
    expect(data).toEqual(before);
  });

  it('reads a doubled tilde as a path that starts with a tilde', async () => {
    const { request, stores } = setup();
    await request(`${MESSAGES}/i-1/copy`, { method: 'POST', json: { to: '~~Notes' } });
    expect(stores.calls.at(-1)!.args[2]).toEqual({ kind: 'path', path: '~Notes' });
  });

  it.each([
    ['no destination', {}],
    ['an empty destination', { to: '' }],
    ['a destination with CR LF', { to: 'A\r\nB' }],
    ['a destination over 1,000 bytes', { to: 'é'.repeat(501) }],
    ['a destination that is not a string', { to: ['Archive'] }],
  ])('refuses %s with 400 and never opens a store', async (_name, body) => {
    const { request, stores } = setup();
    const response = await request(`${MESSAGES}/i-1/move`, { method: 'POST', json: body });
    expect(response.status).toBe(400);
    expect(stores.opened).toHaveLength(0);
  });
});

describe('DELETE …/messages/{id}', () => {
  it('moves the message to the Trash role and answers 200 with its new id', async () => {
    const { request, data } = setup();
    const response = await request(`${MESSAGES}/i-1`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    const trashed = await readJson<{ id: string; mailbox: string }>(response);
    expect(trashed.mailbox).toBe('Trash');
    expect(data.messages.find((m) => m.subject === 'Invoice')).toMatchObject({
      id: trashed.id,
      mailbox: 'Trash',
    });
  });

  it('with permanent=true removes exactly that message and answers 204', async () => {
    const { request, data, stores } = setup();
    const response = await request(`${MESSAGES}/i-1?permanent=true`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(data.messages.map((m) => m.id)).toEqual(['i-2', 'i-3', 't-1']);
    expect(stores.calls.at(-1)!.args[2]).toEqual({ permanent: true });
  });

  it('removes a message already in Trash for good', async () => {
    const { request, data } = setup();
    const response = await request(`${MESSAGES}/t-1`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(data.messages.some((m) => m.id === 't-1')).toBe(false);
  });

  it('refuses permanent=yes with 400 before opening a store', async () => {
    const { request, stores } = setup();
    const response = await request(`${MESSAGES}/i-1?permanent=yes`, { method: 'DELETE' });
    expect(response.status).toBe(400);
    expect(stores.opened).toHaveLength(0);
  });
});
