import { describe, expect, test } from 'vitest';
import {
  MAX_WEBHOOK_MAILBOXES,
  MAX_WEBHOOK_URL_CHARS,
  webhookSubscriptionInput,
  webhookSubscriptionUpdate,
} from '../../../lib/webhooks/subscription.js';

/** The paths and messages of the issues, as a 400 would list them. */
function problems(result: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}) {
  return (result.error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('subscription input', () => {
  test('fills the defaults: INBOX by role, every mail event but ping', () => {
    expect(webhookSubscriptionInput.parse({ url: 'https://hooks.example.com/in' })).toEqual({
      url: 'https://hooks.example.com/in',
      mailboxes: ['~inbox'],
      events: ['message.created', 'message.updated', 'message.deleted', 'mailbox.reset'],
    });
  });

  test('keeps what was given: roles, paths, a doubled ~ for a path starting with ~, any event list', () => {
    const input = {
      url: 'https://hooks.example.com/in',
      mailboxes: ['~sent', 'Projects/2026', '~~Notes', 'Ünïcode'],
      events: ['message.created', 'ping'],
    };
    expect(webhookSubscriptionInput.parse(input)).toEqual(input);
  });

  test.each([
    [{ mailboxes: ['~inboxes'] }, 'mailboxes.0: names an unknown role'],
    [{ mailboxes: [] }, 'mailboxes: Too small'],
    [{ mailboxes: ['INBOX', 'INBOX'] }, 'mailboxes: must not name a mailbox twice'],
    [{ mailboxes: [''] }, 'mailboxes.0: Too small'],
    [{ mailboxes: ['a\tb'] }, 'mailboxes.0: must not contain control characters'],
    [{ mailboxes: ['\ud800x'] }, 'mailboxes.0: must be well-formed Unicode'],
    [{ mailboxes: ['é'.repeat(501)] }, 'mailboxes.0: must be at most 1000 bytes'],
    [
      { mailboxes: Array.from({ length: MAX_WEBHOOK_MAILBOXES + 1 }, (_, i) => `m${i}`) },
      'mailboxes: Too big',
    ],
    [{ events: ['message.moved'] }, 'events.0: Invalid option'],
    [{ events: [] }, 'events: Too small'],
    [{ events: ['ping', 'ping'] }, 'events: must not name an event twice'],
    [{ secret: 'whsec_mine' }, ': Unrecognized key'],
    [{ url: 'x'.repeat(MAX_WEBHOOK_URL_CHARS + 1) }, 'url: Too big'],
  ])('refuses %j', (change, expected) => {
    const result = webhookSubscriptionInput.safeParse({ url: 'https://hooks.example.com/in', ...change });
    expect(result.success).toBe(false);
    expect(problems(result)[0]).toContain(expected);
  });

  test('needs a url', () => {
    expect(problems(webhookSubscriptionInput.safeParse({}))).toEqual([expect.stringMatching(/^url: /)]);
  });
});

describe('subscription update', () => {
  test('re-enables or replaces fields, without defaults', () => {
    expect(webhookSubscriptionUpdate.parse({ status: 'active' })).toEqual({ status: 'active' });
    expect(webhookSubscriptionUpdate.parse({ mailboxes: ['~junk'] })).toEqual({ mailboxes: ['~junk'] });
  });

  test.each([
    [{}, 'must change something'],
    [{ status: 'disabled' }, 'status: Invalid input'],
    [{ events: ['nope'] }, 'events.0: Invalid option'],
    [{ id: 'wh_1' }, 'Unrecognized key'],
  ])('refuses %j', (input, expected) => {
    const result = webhookSubscriptionUpdate.safeParse(input);
    expect(result.success).toBe(false);
    expect(problems(result)[0]).toContain(expected);
  });
});
