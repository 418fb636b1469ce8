import { describe, expect, it } from 'vitest';
import type { ListQuery } from '../../lib/mail/types.js';
import { buildTestApp, readProblem, TOKENS } from '../support/http-helpers.js';
import { buildAccount } from '../support/memory-store.js';

const LIST = '/v1/accounts/alpha/mailboxes/INBOX/messages';
const pop3 = buildAccount({ id: 'pop', protocol: 'pop3', port: 995 });

/** What the store was asked for (the in-memory store then refuses any other order than the default). */
async function sortFor(search: string): Promise<ListQuery['sort']> {
  const { request, stores } = buildTestApp();
  await request(`${LIST}${search}`);
  const call = stores.calls.find((entry) => entry.method === 'listMessages');
  expect(call, search).toBeDefined();
  return (call!.args[1] as ListQuery).sort;
}

describe('sort and order on the message list', () => {
  it('pass the store a typed sort, each key with its own default order; none without either', async () => {
    expect(await sortFor('')).toBeUndefined();
    expect(await sortFor('?sort=date')).toEqual({ key: 'date', order: 'desc' });
    expect(await sortFor('?sort=size')).toEqual({ key: 'size', order: 'desc' });
    expect(await sortFor('?sort=arrival')).toEqual({ key: 'arrival', order: 'desc' });
    expect(await sortFor('?sort=from')).toEqual({ key: 'from', order: 'asc' });
    expect(await sortFor('?sort=subject')).toEqual({ key: 'subject', order: 'asc' });
    expect(await sortFor('?sort=subject&order=desc')).toEqual({ key: 'subject', order: 'desc' });
    expect(await sortFor('?order=asc')).toEqual({ key: 'arrival', order: 'asc' });
  });

  it('refuses an unknown key or order with 400 before any store is opened', async () => {
    for (const search of ['?sort=name', '?order=ascending', '?sort=date&sort=size', '?sort=Date']) {
      const { request, stores } = buildTestApp();
      const response = await request(`${LIST}${search}`);
      expect(response.status, search).toBe(400);
      expect((await readProblem(response)).code).toBe('invalid_request');
      expect(stores.opened).toHaveLength(0);
    }
  });

  it('answers 501 on POP3 for any other order than the default, the store never opened', async () => {
    for (const search of ['?sort=date', '?order=asc', '?sort=subject']) {
      const { request, stores } = buildTestApp({ extraAccounts: [pop3] });
      const response = await request(`/v1/accounts/pop/mailboxes/INBOX/messages${search}`, {
        token: TOKENS.writeAll,
      });
      expect(response.status, search).toBe(501);
      const problem = await readProblem(response);
      expect(problem.code).toBe('unsupported_operation');
      expect(problem.detail).toMatch(/^POP3 accounts list in arrival order only/);
      expect(stores.opened).toHaveLength(0);
    }
    const { request } = buildTestApp({ extraAccounts: [pop3] });
    const plain = await request('/v1/accounts/pop/mailboxes/INBOX/messages?sort=arrival&order=desc', {
      token: TOKENS.writeAll,
    });
    expect(plain.status).toBe(200);
  });

  it('answers 501 on an account whose capabilities lack the key, the store never opened', async () => {
    const { request, stores } = buildTestApp();
    stores.imapOverrides = { sort: ['arrival'] };
    const refused = await request(`${LIST}?sort=date`);
    expect(refused.status).toBe(501);
    expect((await readProblem(refused)).detail).toBe('This IMAP account cannot sort by date.');
    expect(stores.opened).toHaveLength(0);
  });
});

describe('threads routes', () => {
  it('answer 501 on POP3 before opening a store, and 400 for unknown parameters or a bad limit', async () => {
    for (const path of ['/threads', '/threads/t1.eA']) {
      const { request, stores } = buildTestApp({ extraAccounts: [pop3] });
      const response = await request(`/v1/accounts/pop/mailboxes/INBOX${path}`, { token: TOKENS.writeAll });
      expect(response.status).toBe(501);
      expect((await readProblem(response)).detail).toBe('POP3 accounts cannot group messages into threads.');
      expect(stores.opened).toHaveLength(0);
    }
    for (const search of ['?sort=date', '?limit=0', '?limit=101', '?cursor=']) {
      const { request, stores } = buildTestApp();
      const response = await request(`/v1/accounts/alpha/mailboxes/INBOX/threads${search}`);
      expect(response.status, search).toBe(400);
      expect(stores.opened).toHaveLength(0);
    }
  });
});
