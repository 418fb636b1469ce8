import { describe, expect, it } from 'vitest';
import { buildTestApp, readProblem } from '../support/http-helpers.js';

describe('a path with a trailing slash', () => {
  it.each([
    ['GET', '/v1/accounts/'],
    ['GET', '/v1/accounts/alpha/'],
    ['GET', '/v1/accounts/alpha/mailboxes/INBOX/messages/'],
    ['POST', '/v1/accounts/alpha/mailboxes/'],
    ['GET', '/health/'],
    ['GET', '/v1/accounts//'],
  ])('%s %s is 404 not_found, never 405 with the same method in Allow', async (method, path) => {
    const { request, stores } = buildTestApp();
    const response = await request(path, { method, ...(method === 'POST' ? { json: { path: 'X' } } : {}) });
    expect(response.status).toBe(404);
    expect(response.headers.get('allow')).toBeNull();
    const problem = await readProblem(response);
    expect(problem.code).toBe('not_found');
    expect(stores.opened).toHaveLength(0);
  });

  it('names the mistake when the path without the slash exists', async () => {
    const { request } = buildTestApp();
    const problem = await readProblem(await request('/v1/accounts/'));
    expect(problem.detail).toBe("No such endpoint: paths do not end with '/'.");
    expect((await readProblem(await request('/v1/nothing/'))).detail).toBe('No such endpoint.');
  });

  it('leaves 405 for a wrong method on the exact path', async () => {
    const { request } = buildTestApp();
    const response = await request('/v1/accounts', { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });
});
