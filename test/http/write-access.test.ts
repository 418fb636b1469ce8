import { describe, expect, it } from 'vitest';
import { buildTestApp, readProblem, type TestRequestInit, TOKENS } from '../support/http-helpers.js';
import { buildAccount, buildMailData } from '../support/memory-store.js';

const MESSAGE_RAW = 'Subject: hi\r\n\r\nbody\r\n';

/** Every write route of the contract, with a body that would pass validation. */
function writes(account: string): Array<[name: string, path: string, init: TestRequestInit]> {
  const mailbox = `/v1/accounts/${account}/mailboxes/INBOX`;
  const message = `/v1/accounts/${account}/messages/i-1`;
  return [
    ['flags', message, { method: 'PATCH', json: { flags: { add: ['\\Seen'] } } }],
    ['move', `${message}/move`, { method: 'POST', json: { to: 'Archive' } }],
    ['copy', `${message}/copy`, { method: 'POST', json: { to: 'Archive' } }],
    ['delete', message, { method: 'DELETE' }],
    [
      'append',
      `${mailbox}/messages`,
      { method: 'POST', body: MESSAGE_RAW, headers: { 'Content-Type': 'message/rfc822' } },
    ],
    ['create mailbox', `/v1/accounts/${account}/mailboxes`, { method: 'POST', json: { path: 'New' } }],
    [
      'rename mailbox',
      `/v1/accounts/${account}/mailboxes/Archive`,
      { method: 'PATCH', json: { path: 'Old' } },
    ],
    ['delete mailbox', `/v1/accounts/${account}/mailboxes/Archive`, { method: 'DELETE' }],
    ['bulk', `${mailbox}/messages/bulk`, { method: 'POST', json: { ids: ['i-1'], action: 'delete' } }],
  ];
}

describe('read-scoped tokens', () => {
  it.each(writes('alpha'))('are refused %s with 403, the store never opened', async (_name, path, init) => {
    const { request, stores, credentials } = buildTestApp({ data: buildMailData() });
    const response = await request(path, { ...init, token: TOKENS.readAlpha });
    expect(response.status).toBe(403);
    expect((await readProblem(response)).code).toBe('forbidden');
    expect(stores.opened).toHaveLength(0);
    expect(credentials.lookups).toEqual([]);
  });

  it('are allowed the same routes with a write token (the table above is live)', async () => {
    for (const [name, path, init] of writes('alpha')) {
      const { request } = buildTestApp({ data: buildMailData() });
      const response = await request(path, init);
      expect(response.status, name).toBeLessThan(300);
    }
  });
});

describe('POP3 accounts', () => {
  const pop3 = buildAccount({ id: 'pop', protocol: 'pop3', port: 995 });
  const unsupported = writes('pop').filter(([name]) => name !== 'delete');
  const reads: Array<[string, string]> = [
    ['changes', '/v1/accounts/pop/mailboxes/INBOX/changes?since=s1'],
    ['wait', '/v1/accounts/pop/mailboxes/INBOX/wait?since=s1&timeout=5'],
  ];

  it.each([...unsupported, ...reads.map(([name, path]) => [name, path, {}] as const)])(
    'answer %s with 501 naming POP3, the store never opened',
    async (_name, path, init) => {
      const { request, stores } = buildTestApp({ extraAccounts: [pop3] });
      const response = await request(path, { ...init, token: TOKENS.writeAll });
      expect(response.status).toBe(501);
      const problem = await readProblem(response);
      expect(problem.code).toBe('unsupported_operation');
      expect(problem.detail).toMatch(/^POP3 accounts cannot /);
      expect(stores.opened).toHaveLength(0);
    },
  );

  it('delete one message for good (204)', async () => {
    const data = buildMailData();
    const { request } = buildTestApp({ extraAccounts: [pop3], data });
    const response = await request('/v1/accounts/pop/messages/i-1', {
      method: 'DELETE',
      token: TOKENS.writeAll,
    });
    expect(response.status).toBe(204);
    expect(data.messages.some((m) => m.id === 'i-1')).toBe(false);
  });
});
