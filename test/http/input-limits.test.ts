import { describe, expect, it } from 'vitest';
import { buildTestApp, readProblem } from '../support/http-helpers.js';

const BASE = '/v1/accounts/alpha/mailboxes';
const MESSAGES = '/v1/accounts/alpha/messages';
const long = (n: number) => 'a'.repeat(n);

/** Requests that must be refused with 400 before any mail store is opened. */
const REFUSED: Array<[string, string]> = [
  ['CR in a filter', `${BASE}/INBOX/messages?subject=a%0Db`],
  ['LF in a filter', `${BASE}/INBOX/messages?from=a%0Ab`],
  ['NUL in a filter', `${BASE}/INBOX/messages?text=a%00b`],
  ['CR in a header filter', `${BASE}/INBOX/messages?header.X-Tag=a%0D%0AX`],
  ['CR in a cursor', `${BASE}/INBOX/messages?cursor=a%0Db`],
  ['CRLF in the mailbox', `${BASE}/INBOX%0D%0ALOGOUT/messages`],
  ['NUL in the mailbox', `${BASE}/IN%00BOX`],
  ['LF in a message id', `${MESSAGES}/i1%0A`],
  ['LF in a message id on the mailbox alias', `${BASE}/INBOX/messages/i1%0A`],
  ['CR in an attachment id', `${MESSAGES}/i1/attachments/2%0D`],
  ['filter value over 1,000 characters', `${BASE}/INBOX/messages?body=${long(1001)}`],
  ['header filter over 1,000 characters', `${BASE}/INBOX/messages?header.X-Tag=${long(1001)}`],
  ['mailbox over 1,000 bytes', `${BASE}/${long(1001)}`],
  ['mailbox of 501 two-byte characters', `${BASE}/${'%C3%A9'.repeat(501)}/messages`],
  ['message id over 200 characters', `${MESSAGES}/${long(201)}`],
  ['message id over 200 characters for the raw source', `${MESSAGES}/${long(201)}/raw`],
  ['attachment id over 200 characters', `${MESSAGES}/i1/attachments/${long(201)}`],
  ['limit 0', `${BASE}/INBOX/messages?limit=0`],
  ['limit 201', `${BASE}/INBOX/messages?limit=201`],
  ['limit not a number', `${BASE}/INBOX/messages?limit=1e2`],
  ['boolean spelled otherwise', `${BASE}/INBOX/messages?seen=yes`],
  ['date without a zone', `${BASE}/INBOX/messages?since=2026-01-02T03:04:05`],
  ['impossible date', `${BASE}/INBOX/messages?before=2026-02-30`],
  ['negative size', `${BASE}/INBOX/messages?larger=-1`],
  ['repeated filter', `${BASE}/INBOX/messages?from=a&from=b`],
  ['unknown parameter', `${BASE}/INBOX/messages?flaged=true`],
  ['header filter without a name', `${BASE}/INBOX/messages?header.=x`],
  ['invalid UTF-8 in the mailbox', `${BASE}/%FF/messages`],
  ['unknown body selection', `${MESSAGES}/i1?body=all`],
];

describe('input limits', () => {
  it.each(REFUSED)('refuses %s with 400 invalid_request and never opens a store', async (_, path) => {
    const { request, stores } = buildTestApp();
    const response = await request(path);
    expect(response.status).toBe(400);
    const problem = await readProblem(response);
    expect(problem.code).toBe('invalid_request');
    expect(problem.detail).toEqual(expect.any(String));
    expect(stores.opened).toHaveLength(0);
  });

  it('accepts values exactly at the limits', async () => {
    const { request, stores } = buildTestApp();
    const atLimit = [
      `${BASE}/INBOX/messages?body=${long(1000)}&header.X-Tag=${long(1000)}&limit=200`,
      `${BASE}/${'%C3%A9'.repeat(500)}/messages`,
      `${MESSAGES}/${long(200)}`,
    ];
    for (const path of atLimit) {
      const response = await request(path);
      // The fake store knows none of these: anything but 400 shows the input was let through.
      expect(response.status, path).not.toBe(400);
    }
    expect(stores.calls.map((call) => call.method)).toEqual(['listMessages', 'listMessages', 'getMessage']);
  });

  it('names the offending parameter in the detail', async () => {
    const { request } = buildTestApp();
    const problem = await readProblem(await request(`${BASE}/INBOX/messages?limit=500`));
    expect(problem.detail).toMatch(/limit/);
    expect(problem.detail).toMatch(/200/);
  });
});
