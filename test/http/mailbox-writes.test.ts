import { describe, expect, it } from 'vitest';
import { buildTestApp, readJson, readProblem } from '../support/http-helpers.js';
import { buildMailData } from '../support/memory-store.js';

const MAILBOXES = '/v1/accounts/alpha/mailboxes';

function setup() {
  const data = buildMailData();
  return { ...buildTestApp({ data }), data };
}

describe('POST …/mailboxes (create)', () => {
  it('creates a mailbox with spaces, non-ASCII and the delimiter, answering 201 with Location', async () => {
    const { request, data } = setup();
    const path = 'Projects/Année 2027';
    const response = await request(MAILBOXES, { method: 'POST', json: { path } });
    expect(response.status).toBe(201);
    expect(await readJson(response)).toMatchObject({ path, name: 'Année 2027', parent: 'Projects' });
    expect(response.headers.get('location')).toBe(`${MAILBOXES}/${encodeURIComponent(path)}`);
    expect(data.mailboxes.map((m) => m.path)).toContain(path);
    const listed = await readJson<{ mailboxes: Array<{ path: string }> }>(await request(MAILBOXES));
    expect(listed.mailboxes.map((m) => m.path)).toContain(path);
  });

  it('answers 409 mailbox_exists for an existing path, INBOX in any case included', async () => {
    const { request, data } = setup();
    for (const path of ['Archive', 'inbox']) {
      const response = await request(MAILBOXES, { method: 'POST', json: { path } });
      expect(response.status, path).toBe(409);
      expect((await readProblem(response)).code).toBe('mailbox_exists');
    }
    expect(data.mailboxes).toHaveLength(5);
  });

  it.each([
    ['no path', {}],
    ['an empty path', { path: '' }],
    ['a path with LF', { path: 'a\nb' }],
    ['a path with NUL', { path: 'a\0b' }],
    ['a path over 1,000 bytes', { path: '€'.repeat(334) }],
  ])('refuses %s with 400 and never opens a store', async (_name, json) => {
    const { request, stores } = setup();
    const response = await request(MAILBOXES, { method: 'POST', json });
    expect(response.status).toBe(400);
    expect((await readProblem(response)).code).toBe('invalid_request');
    expect(stores.opened).toHaveLength(0);
  });
});

describe('PATCH …/mailboxes/{mailbox} (rename)', () => {
  it('renames a mailbox and its children, keeping their messages', async () => {
    const { request, data } = setup();
    data.messages.push({ ...structuredClone(data.messages[0]!), id: 'p-1', mailbox: 'Projects/2026' });
    const response = await request(`${MAILBOXES}/Projects`, { method: 'PATCH', json: { path: 'Work' } });
    expect(response.status).toBe(200);
    expect(await readJson(response)).toMatchObject({ path: 'Work', name: 'Work' });
    expect(data.mailboxes.map((m) => m.path)).toEqual(['INBOX', 'Archive', 'Trash', 'Work', 'Work/2026']);
    expect(data.messages.find((m) => m.id === 'p-1')!.mailbox).toBe('Work/2026');
  });

  it('answers 409 when the new path exists and 404 when the mailbox does not', async () => {
    const { request } = setup();
    const taken = await request(`${MAILBOXES}/Projects`, { method: 'PATCH', json: { path: 'Archive' } });
    expect(taken.status).toBe(409);
    const missing = await request(`${MAILBOXES}/Nowhere`, { method: 'PATCH', json: { path: 'Somewhere' } });
    expect(missing.status).toBe(404);
    expect((await readProblem(missing)).code).toBe('mailbox_not_found');
  });
});

describe('DELETE …/mailboxes/{mailbox}', () => {
  it('deletes a mailbox and answers 204', async () => {
    const { request, data } = setup();
    const response = await request(`${MAILBOXES}/Projects%2F2026`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(data.mailboxes.map((m) => m.path)).not.toContain('Projects/2026');
  });
});

describe('INBOX', () => {
  it.each(['INBOX', 'inbox', 'Inbox', '~inbox'])(
    'refuses to rename or delete %s with 400, never opening a store',
    async (segment) => {
      const { request, stores, data } = setup();
      const before = structuredClone(data.mailboxes);
      const renamed = await request(`${MAILBOXES}/${segment}`, { method: 'PATCH', json: { path: 'Old' } });
      const deleted = await request(`${MAILBOXES}/${segment}`, { method: 'DELETE' });
      for (const response of [renamed, deleted]) {
        expect(response.status).toBe(400);
        const problem = await readProblem(response);
        expect(problem.code).toBe('invalid_request');
        expect(problem.detail).toMatch(/INBOX cannot be (renamed|deleted)/);
      }
      expect(stores.opened).toHaveLength(0);
      expect(data.mailboxes).toEqual(before);
    },
  );
});
