import { describe, expect, it } from 'vitest';
import { InvalidRequestError, StaleMessageIdError } from '../../lib/mail/errors.js';
import { buildTestApp, readJson, readProblem } from '../support/http-helpers.js';
import { buildMailData } from '../support/memory-store.js';

const BULK = '/v1/accounts/alpha/mailboxes/INBOX/messages/bulk';

function setup() {
  const data = buildMailData();
  return { ...buildTestApp({ data }), data };
}

type BulkAnswer = {
  matched: number;
  done: number;
  failed: Array<{ id: string; code: string }>;
  ids?: Record<string, string>;
};

describe('POST …/messages/bulk', () => {
  it('flags the messages named by id in one store call and reports ids it could not find', async () => {
    const { request, data, stores } = setup();
    const response = await request(BULK, {
      method: 'POST',
      json: { ids: ['i-1', 'i-3', 'gone', 'i-1'], action: 'flag', flags: { add: ['\\flagged'] } },
    });
    expect(response.status).toBe(200);
    expect(await readJson(response)).toEqual({
      matched: 2,
      done: 2,
      failed: [{ id: 'gone', code: 'message_not_found' }],
    });
    expect(data.messages.filter((m) => m.flagged).map((m) => m.id)).toEqual(['i-1', 'i-3']);
    expect(stores.calls.map((call) => call.method)).toEqual(['bulk']);
    expect(stores.calls[0]!.args[1]).toEqual({ ids: ['i-1', 'i-3', 'gone'] });
  });

  it('moves the messages a filter names and maps old ids to new', async () => {
    const { request, data } = setup();
    const response = await request(BULK, {
      method: 'POST',
      json: { filter: { subject: 'invoice', seen: false }, action: 'move', to: '~archive' },
    });
    const answer = await readJson<BulkAnswer>(response);
    expect(answer).toMatchObject({ matched: 2, done: 2, failed: [] });
    expect(Object.keys(answer.ids!).sort()).toEqual(['i-1', 'i-3']);
    const archived = data.messages
      .filter((m) => m.mailbox === 'Archive')
      .map((m) => m.id)
      .sort();
    expect(archived).toEqual(Object.values(answer.ids!).sort());
    expect(data.messages.filter((m) => m.mailbox === 'INBOX').map((m) => m.id)).toEqual(['i-2']);
  });

  it('passes the typed filter on as the store filter', async () => {
    const { request, stores } = setup();
    await request(BULK, {
      method: 'POST',
      json: {
        filter: { flagged: true, since: '2026-01-01', larger: 10, header: { 'X-Priority': '1' } },
        action: 'delete',
        permanent: true,
      },
    });
    expect(stores.calls[0]!.args.slice(1)).toEqual([
      {
        filter: {
          flagged: true,
          since: { at: new Date('2026-01-01T00:00:00Z'), precision: 'day' },
          larger: 10,
          headers: [{ name: 'X-Priority', value: '1' }],
        },
      },
      { action: 'delete', permanent: true },
    ]);
  });

  it('reports partial success: failed ids with their codes, the rest done', async () => {
    const { request, data, stores } = setup();
    stores.behaviour.failIds = { 'i-2': new StaleMessageIdError() };
    const response = await request(BULK, {
      method: 'POST',
      json: { ids: ['i-1', 'i-2', 'i-3'], action: 'delete', permanent: true },
    });
    expect(await readJson(response)).toEqual({
      matched: 3,
      done: 2,
      failed: [{ id: 'i-2', code: 'stale_message_id' }],
    });
    expect(data.messages.filter((m) => m.mailbox === 'INBOX').map((m) => m.id)).toEqual(['i-2']);
  });

  it('passes on a store refusal of an over-broad filter as 400', async () => {
    const { request, stores } = setup();
    stores.behaviour.fail = new InvalidRequestError('The filter matches more than 10000 messages.');
    const response = await request(BULK, { method: 'POST', json: { filter: {}, action: 'delete' } });
    expect(response.status).toBe(400);
  });

  it('accepts exactly 10,000 ids', async () => {
    const { request } = setup();
    const ids = Array.from({ length: 10_000 }, (_, i) => `x-${i}`);
    const response = await request(BULK, { method: 'POST', json: { ids, action: 'copy', to: 'Archive' } });
    expect(response.status).toBe(200);
    expect((await readJson<BulkAnswer>(response)).failed).toHaveLength(10_000);
  });

  it.each([
    ['10,001 ids', { ids: Array.from({ length: 10_001 }, (_, i) => `x-${i}`), action: 'delete' }],
    ['both ids and filter', { ids: ['i-1'], filter: { seen: true }, action: 'delete' }],
    ['neither ids nor filter', { action: 'delete' }],
    ['an empty id list', { ids: [], action: 'delete' }],
    ['an unknown action', { ids: ['i-1'], action: 'archive' }],
    ['flag without flags', { ids: ['i-1'], action: 'flag' }],
    ['flag with a bad keyword', { ids: ['i-1'], action: 'flag', flags: { add: ['a b'] } }],
    ['move without a destination', { ids: ['i-1'], action: 'move' }],
    ['delete with a destination', { ids: ['i-1'], action: 'delete', to: 'Archive' }],
    ['permanent on a copy', { ids: ['i-1'], action: 'copy', to: 'Archive', permanent: true }],
    ['an unknown filter', { filter: { starred: true }, action: 'delete' }],
    ['a filter of the wrong type', { filter: { seen: 'true' }, action: 'delete' }],
    ['a filter value with CR', { filter: { subject: 'a\rb' }, action: 'delete' }],
    ['a filter date without a zone', { filter: { since: '2026-01-01T10:00' }, action: 'delete' }],
    ['an id over 200 characters', { ids: ['i'.repeat(201)], action: 'delete' }],
    ['an empty filter (it would name every message)', { filter: {}, action: 'delete', permanent: true }],
    ['a filter with only an empty header map', { filter: { header: {} }, action: 'delete' }],
    ['smaller than 0 bytes (matches nothing)', { filter: { smaller: 0, from: 'a' }, action: 'delete' }],
  ])('refuses %s with 400 and never opens a store', async (_name, json) => {
    const { request, stores, data } = setup();
    const before = structuredClone(data.messages);
    const response = await request(BULK, { method: 'POST', json });
    expect(response.status).toBe(400);
    expect((await readProblem(response)).code).toBe('invalid_request');
    expect(stores.opened).toHaveLength(0);
    expect(data.messages).toEqual(before);
  });

  it('answers 413 for a body far beyond any valid bulk request', async () => {
    const { request, stores } = setup();
    const response = await request(BULK, {
      method: 'POST',
      json: { ids: ['x'.repeat(5 * 1024 * 1024)], action: 'delete' },
    });
    expect(response.status).toBe(413);
    expect(stores.opened).toHaveLength(0);
  });
});
