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

  it('leaves other characters alone: spaces, non-ASCII, symbols', async () => {
    const { request, stores } = buildTestApp();
    const response = await request('/v1/accounts/alpha/mailboxes', {
      method: 'POST',
      json: { path: 'Entwürfe & Notizen (2026) — ☃' },
    });
    expect(response.status).toBe(201);
    expect(stores.opened).toHaveLength(1);
  });
});
