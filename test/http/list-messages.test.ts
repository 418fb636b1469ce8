import { describe, expect, it } from 'vitest';
import type { ListQuery } from '../../lib/mail/types.js';
import { buildTestApp } from '../support/http-helpers.js';
import { buildMailData } from '../support/memory-store.js';

const LIST = '/v1/accounts/alpha/mailboxes/INBOX/messages';

async function listQueryFor(search: string): Promise<ListQuery> {
  const { request, stores } = buildTestApp();
  const response = await request(`${LIST}${search}`);
  expect(response.status).toBe(200);
  const call = stores.calls.find((entry) => entry.method === 'listMessages');
  return call!.args[1] as ListQuery;
}

describe('GET …/messages', () => {
  it('defaults to 50 per page and no filter', async () => {
    expect(await listQueryFor('')).toEqual({ limit: 50, filter: {} });
  });

  it('passes every filter of the contract to the store, typed', async () => {
    const query = await listQueryFor(
      '?limit=10&seen=true&flagged=false&answered=true&draft=false' +
        '&from=bob&to=alice&cc=carol&subject=%C3%A9t%C3%A9&text=hello&body=world' +
        '&since=2026-01-02&before=2026-03-04T05:06:07%2B02:00&larger=100&smaller=2000' +
        '&header.List-Id=announce&header.X-Tag=a&header.X-Tag=b',
    );
    expect(query).toEqual({
      limit: 10,
      filter: {
        seen: true,
        flagged: false,
        answered: true,
        draft: false,
        from: 'bob',
        to: 'alice',
        cc: 'carol',
        subject: 'été',
        text: 'hello',
        body: 'world',
        since: { at: new Date('2026-01-02T00:00:00Z'), precision: 'day' },
        before: { at: new Date('2026-03-04T03:06:07Z'), precision: 'second' },
        larger: 100,
        smaller: 2000,
        headers: [
          { name: 'List-Id', value: 'announce' },
          { name: 'X-Tag', value: 'a' },
          { name: 'X-Tag', value: 'b' },
        ],
      },
    });
  });

  it('passes the cursor of the previous page to the store as it was issued', async () => {
    const data = buildMailData();
    const { request, stores } = buildTestApp({ data });
    const first = (await (await request(`${LIST}?limit=2`)).json()) as { nextCursor: string };
    expect(first.nextCursor).toEqual(expect.any(String));
    const response = await request(`${LIST}?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`);
    expect(response.status).toBe(200);
    const calls = stores.calls.filter((entry) => entry.method === 'listMessages');
    expect(calls[1]!.args[1]).toEqual({ limit: 2, cursor: first.nextCursor, filter: {} });
    const second = (await response.json()) as { messages: Array<{ id: string }> };
    expect(second.messages.map((m) => m.id)).toEqual(['i-1']);
  });

  it('answers {messages, nextCursor, total}', async () => {
    const { request } = buildTestApp();
    const body = await (await request(LIST)).json();
    expect(body).toEqual({
      messages: [expect.objectContaining({ id: 'i-msg-1' })],
      nextCursor: null,
      total: 1,
    });
  });
});
