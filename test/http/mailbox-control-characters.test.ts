import { describe, expect, it } from 'vitest';
import { buildTestApp, readProblem } from '../support/http-helpers.js';

/** A TAB, another C0 control, DEL and a C1 control (NEL): none belongs in a mailbox name. */
const CONTROLS = ['\t', '\u0001', '\u007f', '\u0085'];

function name(control: string): string {
  return `Reports${control}2026`;
}

async function expectRefused(response: Response, stores: ReturnType<typeof buildTestApp>['stores']) {
  expect(response.status).toBe(400);
  const problem = await readProblem(response);
  expect(problem.code).toBe('invalid_request');
  expect(problem.detail).toMatch(/control characters/);
  // Refused before any mail server is asked.
  expect(stores.opened).toHaveLength(0);
}

describe('a control character in a mailbox name', () => {
  it.each(CONTROLS.map((c) => [`U+${c.codePointAt(0)!.toString(16).padStart(4, '0')}`, c]))(
    'is 400 in the path segment (%s)',
    async (_, control) => {
      const { request, stores } = buildTestApp();
      const segment = encodeURIComponent(name(control));
      await expectRefused(await request(`/v1/accounts/alpha/mailboxes/${segment}/messages`), stores);
      await expectRefused(await request(`/v1/accounts/alpha/mailboxes/${segment}`), stores);
    },
  );

  it.each(CONTROLS.map((c) => [`U+${c.codePointAt(0)!.toString(16).padStart(4, '0')}`, c]))(
    'is 400 in a JSON path or destination (%s)',
    async (_, control) => {
      const { request, stores } = buildTestApp();
      const mailbox = name(control);
      await expectRefused(
        await request('/v1/accounts/alpha/mailboxes', { method: 'POST', json: { path: mailbox } }),
        stores,
      );
      await expectRefused(
        await request('/v1/accounts/alpha/mailboxes/Projects', { method: 'PATCH', json: { path: mailbox } }),
        stores,
      );
      await expectRefused(
        await request('/v1/accounts/alpha/messages/i-msg-1/move', { method: 'POST', json: { to: mailbox } }),
        stores,
      );
      await expectRefused(
        await request('/v1/accounts/alpha/messages/i-msg-1/copy', { method: 'POST', json: { to: mailbox } }),
        stores,
      );
      await expectRefused(
        await request('/v1/accounts/alpha/mailboxes/INBOX/messages/bulk', {
          method: 'POST',
          json: { ids: ['i-msg-1'], action: 'move', to: mailbox },
        }),
        stores,
      );
    },
  );

  it.each([
    ['a high surrogate alone', 'Reports\ud8002026'],
    ['a low surrogate alone', 'Reports\udc002026'],
    ['surrogates in the wrong order', '\udc00\ud800'],
  ])('is 400 with %s in a JSON path or destination, and in a filter value', async (_, mailbox) => {
    // A lone surrogate is no Unicode text: Dovecot refused the name (not valid mUTF-7), which read as a 502.
    const { request, stores } = buildTestApp();
    for (const response of [
      await request('/v1/accounts/alpha/mailboxes', { method: 'POST', json: { path: mailbox } }),
      await request('/v1/accounts/alpha/messages/i-msg-1/copy', { method: 'POST', json: { to: mailbox } }),
      await request('/v1/accounts/alpha/mailboxes/INBOX/messages/bulk', {
        method: 'POST',
        json: { filter: { subject: mailbox }, action: 'delete' },
      }),
    ]) {
      expect(response.status).toBe(400);
      expect((await readProblem(response)).detail).toMatch(/well-formed Unicode/);
    }
    expect(stores.opened).toHaveLength(0);
  });

  it('leaves other characters alone: spaces, non-ASCII, symbols', async () => {
    const { request, stores } = buildTestApp();
    const response = await request('/v1/accounts/alpha/mailboxes', {
      method: 'POST',
      json: { path: 'Entwürfe & Notizen (2026) — ☃ 😀' },
    });
    expect(response.status).toBe(201);
    expect(stores.opened).toHaveLength(1);
  });
});
