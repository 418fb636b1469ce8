import { describe, expect, it } from 'vitest';
import { buildTestApp, readProblem } from '../support/http-helpers.js';
import { buildMailData } from '../support/memory-store.js';

/**
 * A filter condition is applied or refused, never dropped: a dropped one
 * would make a bulk delete act on more messages than the client named.
 * test/integration/http/gateway-filters.test.ts checks the same on the wire.
 */

const INBOX = '/v1/accounts/alpha/mailboxes/INBOX';
const OBJECT_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty'];

function setup() {
  return buildTestApp({ data: buildMailData() });
}

/** JSON written out by hand: an object literal with a `__proto__` key would not keep it. */
const bulkWithHeader = (name: string) =>
  `{"filter":{"seen":false,"header":{"${name}":"x"}},"action":"flag","flags":{"add":["\\\\Flagged"]}}`;

describe('header filters named like object properties', () => {
  it.each(OBJECT_KEYS)('bulk: a header named %s reaches the store as a condition', async (name) => {
    const { request, stores } = setup();
    const response = await request(`${INBOX}/messages/bulk`, {
      method: 'POST',
      body: bulkWithHeader(name),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(stores.calls.map((call) => call.args[1])).toEqual([
      { filter: { seen: false, headers: [{ name, value: 'x' }] } },
    ]);
  });

  it.each(OBJECT_KEYS)('list: header.%s reaches the store as a condition', async (name) => {
    const { request, stores } = setup();
    const response = await request(`${INBOX}/messages?header.${name}=x`);
    expect(response.status).toBe(200);
    expect(stores.calls.map((call) => call.args[1])).toEqual([
      { limit: 50, filter: { headers: [{ name, value: 'x' }] } },
    ]);
  });
});

describe('filter shapes that would not be applied as written are 400', () => {
  it.each([
    ['an empty header map beside other criteria', '{"filter":{"seen":false,"header":{}},"action":"delete"}'],
    ['a header map that is a list', '{"filter":{"header":["X-Tag"]},"action":"delete"}'],
    ['a header map that is null', '{"filter":{"seen":true,"header":null},"action":"delete"}'],
    ['a header value that is not text', '{"filter":{"header":{"X-Tag":1}},"action":"delete"}'],
    ['a header name with a colon', '{"filter":{"header":{"X:Tag":"a"}},"action":"delete"}'],
    ['a header name of 998 characters', `{"filter":{"header":{"${'x'.repeat(998)}":"a"}},"action":"delete"}`],
    ['a filter key named __proto__', '{"filter":{"seen":false,"__proto__":{"seen":true}},"action":"delete"}'],
    ['a filter key named constructor', '{"filter":{"seen":false,"constructor":true},"action":"delete"}'],
    [
      '51 header conditions',
      JSON.stringify({
        filter: { header: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`X-${i}`, 'a'])) },
        action: 'delete',
      }),
    ],
  ])('bulk: %s', async (_name, body) => {
    const { request, stores } = setup();
    const response = await request(`${INBOX}/messages/bulk`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect((await readProblem(response)).code).toBe('invalid_request');
    expect(stores.opened).toHaveLength(0);
  });

  it.each([
    ['a parameter named __proto__', '__proto__=x'],
    ['a parameter named constructor', 'constructor=x'],
    ['a header filter without a name', 'header.=x'],
    ['a header name of 998 characters', `header.${'x'.repeat(998)}=x`],
    ['a repeated plain filter', 'subject=a&subject=b'],
    ['51 header conditions', Array.from({ length: 51 }, (_, i) => `header.X-Tag=${i}`).join('&')],
  ])('list: %s', async (_name, query) => {
    const { request, stores } = setup();
    const response = await request(`${INBOX}/messages?${query}`);
    expect(response.status).toBe(400);
    expect((await readProblem(response)).code).toBe('invalid_request');
    expect(stores.opened).toHaveLength(0);
  });

  it('takes a header name of 997 characters, the longest a line allows', async () => {
    const { request, stores } = setup();
    const name = 'x'.repeat(997);
    expect((await request(`${INBOX}/messages?header.${name}=a`)).status).toBe(200);
    expect(stores.calls[0]!.args[1]).toMatchObject({ filter: { headers: [{ name, value: 'a' }] } });
  });
});
