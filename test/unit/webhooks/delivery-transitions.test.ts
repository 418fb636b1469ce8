import { describe, expect, test } from 'vitest';
import { afterDelivery, afterFailure } from '../../../lib/webhooks/delivery-transitions.js';
import type { QueuedEvent, WebhookRecord, WebhookStatus } from '../../../lib/webhooks/repository.js';
import { buildCreated } from './store-builders.js';

const AT = '2026-05-02T00:00:00.000Z';
const RETRY = new Date('2026-05-02T00:00:05.000Z');

function buildRecord(status: WebhookStatus, overrides: Partial<WebhookRecord> = {}): WebhookRecord {
  return {
    id: 'wh_0123456789abcdef01234567',
    account: 'acme',
    url: 'https://hooks.example.com/',
    mailboxes: ['~inbox'],
    events: ['message.created'],
    secret: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==',
    status,
    lastError: status === 'active' ? null : 'HTTP 500',
    nextRetryAt: null,
    disabledReason: status === 'disabled' ? 'paused by hand' : null,
    createdAt: '2026-05-01T00:00:00.000Z',
    updatedAt: '2026-05-01T00:00:00.000Z',
    ...overrides,
  };
}

function buildHead(overrides: Partial<QueuedEvent> = {}): QueuedEvent {
  return {
    event: buildCreated(1),
    attempts: 0,
    firstFailureAt: null,
    nextAttemptAt: null,
    queuedAt: '2026-05-01T00:00:00.000Z',
    ...overrides,
  };
}

describe('afterDelivery', () => {
  test.each([
    [
      'failing',
      { status: 'active', lastError: null, nextRetryAt: null, disabledReason: null, updatedAt: AT },
    ],
    ['active', undefined],
    ['disabled', undefined],
  ] as const)('a %s webhook', (status, expected) => {
    expect(afterDelivery(buildRecord(status), AT)).toEqual(expected);
  });
});

describe('afterFailure', () => {
  test('a first failure starts the clock and makes the webhook failing until the retry', () => {
    expect(
      afterFailure(buildRecord('active'), buildHead(), { error: 'HTTP 502', nextAttemptAt: RETRY }, AT),
    ).toEqual({
      head: { attempts: 1, firstFailureAt: AT, nextAttemptAt: RETRY.toISOString() },
      webhook: {
        status: 'failing',
        lastError: 'HTTP 502',
        nextRetryAt: RETRY.toISOString(),
        disabledReason: null,
        updatedAt: AT,
      },
    });
  });

  test('a later failure keeps the first failure’s time', () => {
    const head = buildHead({ attempts: 3, firstFailureAt: '2026-05-01T01:00:00.000Z' });
    expect(
      afterFailure(buildRecord('failing'), head, { error: 'timed out', nextAttemptAt: RETRY }, AT).head,
    ).toEqual({
      attempts: 4,
      firstFailureAt: '2026-05-01T01:00:00.000Z',
      nextAttemptAt: RETRY.toISOString(),
    });
  });

  test('giving up disables the webhook with the reason, the error defaulting to it', () => {
    const head = buildHead({ attempts: 28, firstFailureAt: '2026-05-01T00:00:00.000Z', nextAttemptAt: AT });
    expect(afterFailure(buildRecord('failing'), head, { disable: 'Failed for 24 hours.' }, AT)).toEqual({
      head: { attempts: 29, firstFailureAt: '2026-05-01T00:00:00.000Z', nextAttemptAt: AT },
      webhook: {
        status: 'disabled',
        lastError: 'Failed for 24 hours.',
        nextRetryAt: null,
        disabledReason: 'Failed for 24 hours.',
        updatedAt: AT,
      },
    });
    expect(
      afterFailure(buildRecord('failing'), head, { disable: 'gone', error: 'HTTP 410' }, AT).webhook
        .lastError,
    ).toBe('HTTP 410');
  });

  test('a webhook disabled by hand while an attempt was out stays disabled', () => {
    const { webhook } = afterFailure(
      buildRecord('disabled'),
      buildHead(),
      { error: 'HTTP 500', nextAttemptAt: RETRY },
      AT,
    );
    expect(webhook).toMatchObject({
      status: 'disabled',
      disabledReason: 'paused by hand',
      nextRetryAt: null,
    });
  });
});
