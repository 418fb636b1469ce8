import { describe, expect, test } from 'vitest';
import type { MessageSummary } from '../../../lib/mail/types.js';
import {
  createEvent,
  createEventId,
  DEFAULT_EVENT_TYPES,
  EVENT_ID_PATTERN,
  EVENT_TYPES,
  eventPayload,
  isEventId,
  type WebhookEvent,
} from '../../../lib/webhooks/events.js';

function buildSummary(overrides: Partial<MessageSummary> = {}): MessageSummary {
  return {
    id: 'iAQAAAABAAAAB0lOQk9Y',
    mailbox: 'INBOX',
    uid: 7,
    flags: [],
    seen: false,
    flagged: false,
    answered: false,
    draft: false,
    receivedAt: '2026-05-01T10:00:00.000Z',
    date: '2026-05-01T09:59:58.000Z',
    size: 1234,
    subject: 'Invoice 42',
    from: { name: 'Billing', address: 'billing@example.com' },
    to: [{ name: null, address: 'me@example.com' }],
    cc: [],
    bcc: [],
    replyTo: [],
    messageId: '<42@example.com>',
    inReplyTo: null,
    references: [],
    hasAttachments: false,
    preview: null,
    ...overrides,
  };
}

describe('event ids', () => {
  test('are msg_ and a 26-character ULID whose first 10 characters are the millisecond', () => {
    // The ULID specification's example time.
    const id = createEventId(new Date(1469918176385), () => Buffer.alloc(10));
    expect(id).toBe('msg_01ARYZ6S410000000000000000');
    expect(isEventId(id)).toBe(true);
  });

  test('use all 80 random bits, in Crockford base32', () => {
    expect(createEventId(new Date(0), () => Buffer.alloc(10))).toBe(`msg_${'0'.repeat(26)}`);
    expect(createEventId(new Date(2 ** 48 - 1), () => Buffer.alloc(10, 0xff))).toBe(`msg_7${'Z'.repeat(25)}`);
    expect(createEventId(new Date(0), () => Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]))).toBe(
      `msg_${'0'.repeat(25)}1`,
    );
  });

  test('are unique and sort by the millisecond they were made in', () => {
    const ids = Array.from({ length: 10_000 }, () => createEventId(new Date(1_700_000_000_000)));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(EVENT_ID_PATTERN);
    const earlier = createEventId(new Date(1_700_000_000_000));
    const later = createEventId(new Date(1_700_000_000_001));
    expect(earlier < later).toBe(true);
  });

  test('refuse a time outside 48 bits, and other strings are not event ids', () => {
    expect(() => createEventId(new Date(-1))).toThrow(RangeError);
    expect(() => createEventId(new Date(2 ** 48))).toThrow(RangeError);
    expect(isEventId('msg_01ARYZ6S41000000000000000')).toBe(false); // 25
    expect(isEventId('msg_01ARYZ6S41000000000000000I')).toBe(false); // I is not Crockford
    expect(isEventId('evt_01ARYZ6S410000000000000000')).toBe(false);
  });
});

describe('event bodies', () => {
  test('types: the four mail events by default, ping only on request', () => {
    expect(EVENT_TYPES).toEqual([
      'message.created',
      'message.updated',
      'message.deleted',
      'mailbox.reset',
      'ping',
    ]);
    expect(DEFAULT_EVENT_TYPES).toEqual([
      'message.created',
      'message.updated',
      'message.deleted',
      'mailbox.reset',
    ]);
  });

  test('message.created carries account, mailbox, state and the summary; the id is not in the body', () => {
    const at = new Date('2026-05-01T10:00:01.250Z');
    const event = createEvent(
      'message.created',
      { account: 'acme', mailbox: 'INBOX', state: 's1', message: buildSummary() },
      at,
    );
    expect(event.id).toMatch(EVENT_ID_PATTERN);
    expect(event.id.slice(4, 14)).toBe(createEventId(at).slice(4, 14));
    const body = JSON.parse(eventPayload(event));
    expect(Object.keys(body)).toEqual(['type', 'timestamp', 'data']);
    expect(body).toEqual({
      type: 'message.created',
      timestamp: '2026-05-01T10:00:01.250Z',
      data: { account: 'acme', mailbox: 'INBOX', state: 's1', message: buildSummary() },
    });
  });

  test('updated, deleted, reset and ping have their own data', () => {
    const at = new Date('2026-05-01T10:00:00Z');
    const where = { account: 'acme', mailbox: 'Projects/2026', state: 's2' };
    const bodies = [
      createEvent('message.updated', { ...where, id: 'm1', flags: ['\\Seen'] }, at),
      createEvent('message.deleted', { ...where, ids: ['m1', 'm2'] }, at),
      createEvent('mailbox.reset', { ...where, state: null }, at),
      createEvent('ping', { account: 'acme', webhook: 'wh_1' }, at),
    ].map((event) => eventPayload(event));
    expect(bodies).toEqual([
      '{"type":"message.updated","timestamp":"2026-05-01T10:00:00.000Z","data":{"account":"acme","mailbox":"Projects/2026","state":"s2","id":"m1","flags":["\\\\Seen"]}}',
      '{"type":"message.deleted","timestamp":"2026-05-01T10:00:00.000Z","data":{"account":"acme","mailbox":"Projects/2026","state":"s2","ids":["m1","m2"]}}',
      '{"type":"mailbox.reset","timestamp":"2026-05-01T10:00:00.000Z","data":{"account":"acme","mailbox":"Projects/2026","state":null}}',
      '{"type":"ping","timestamp":"2026-05-01T10:00:00.000Z","data":{"account":"acme","webhook":"wh_1"}}',
    ]);
  });

  test('the payload of an event read back from a store is the same text (what was signed stays signed)', () => {
    const event = createEvent('message.deleted', { account: 'a', mailbox: 'INBOX', state: 's', ids: ['x'] });
    // A store may keep the id first or add fields of its own; the payload depends on neither.
    const stored = JSON.parse(JSON.stringify({ queuedBy: 'poller', ...event })) as WebhookEvent;
    expect(eventPayload(stored)).toBe(eventPayload(event));
    expect(eventPayload(stored)).not.toContain(event.id);
  });
});
