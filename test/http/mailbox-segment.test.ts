import { describe, expect, it } from 'vitest';
import { encodeMailboxSegment } from '../../lib/http/mailbox-ref.js';
import type { MailboxRef } from '../../lib/mail/types.js';
import { buildTestApp, readJson, readProblem } from '../support/http-helpers.js';
import { buildMailbox, buildMessage } from '../support/memory-store.js';

async function refFor(segment: string): Promise<MailboxRef> {
  const { request, stores } = buildTestApp();
  await request(`/v1/accounts/alpha/mailboxes/${segment}`);
  expect(stores.calls).toHaveLength(1);
  return stores.calls[0]!.args[0] as MailboxRef;
}

describe('the mailbox path segment', () => {
  it('decodes %2F into the hierarchy delimiter, once', async () => {
    expect(await refFor('INBOX%2FReports%2F2026')).toEqual({ kind: 'path', path: 'INBOX/Reports/2026' });
  });

  it('decodes an encoded percent sign only once', async () => {
    expect(await refFor('100%2525%252F')).toEqual({ kind: 'path', path: '100%25%2F' });
  });

  it('decodes non-ASCII names as UTF-8', async () => {
    expect(await refFor('%D0%92%D1%85%D0%BE%D0%B4%D1%8F%D1%89%D0%B8%D0%B5')).toEqual({
      kind: 'path',
      path: 'Входящие',
    });
    expect(await refFor('Entw%C3%BCrfe%20%26%20Notizen')).toEqual({
      kind: 'path',
      path: 'Entwürfe & Notizen',
    });
  });

  it.each(['inbox', 'sent', 'drafts', 'trash', 'junk', 'archive', 'all', 'flagged'])(
    'reads ~%s as a role',
    async (role) => {
      expect(await refFor(`~${role}`)).toEqual({ kind: 'role', role });
    },
  );

  it('reads %7E at the start as a literal tilde in a path, not a role', async () => {
    expect(await refFor('%7Esent')).toEqual({ kind: 'path', path: '~sent' });
  });

  it('answers an unknown role with 404 mailbox_not_found without opening a store', async () => {
    const { request, stores } = buildTestApp();
    const response = await request('/v1/accounts/alpha/mailboxes/~outbox/messages');
    expect(response.status).toBe(404);
    expect((await readProblem(response)).code).toBe('mailbox_not_found');
    expect(stores.opened).toHaveLength(0);
  });

  it('serves a message of a nested mailbox, on the alias too, with canonical links', async () => {
    const { request } = buildTestApp({
      data: {
        mailboxes: [buildMailbox({ path: 'INBOX/Reports', name: 'Reports', parent: 'INBOX', role: null })],
        messages: [buildMessage({ id: 'i9', mailbox: 'INBOX/Reports' })],
        downloads: {},
      },
    });
    for (const path of [
      '/v1/accounts/alpha/messages/i9',
      '/v1/accounts/alpha/mailboxes/INBOX%2FReports/messages/i9',
    ]) {
      const response = await request(path);
      expect(response.status, path).toBe(200);
      const message = await readJson(response);
      expect(message.mailbox, path).toBe('INBOX/Reports');
      expect(message.rawUrl, path).toBe('http://127.0.0.1/v1/accounts/alpha/messages/i9/raw');
    }
  });
});

describe('encodeMailboxSegment', () => {
  it.each([
    ['INBOX/Reports', 'INBOX%2FReports'],
    ['Entwürfe', 'Entw%C3%BCrfe'],
    ['~backup', '%7Ebackup'],
    ['a~b', 'a~b'],
    ['50% off', '50%25%20off'],
  ])('encodes %j as %j', (path, segment) => {
    expect(encodeMailboxSegment(path)).toBe(segment);
  });
});
