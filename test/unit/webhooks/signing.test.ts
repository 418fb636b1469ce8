import { createHmac } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, test } from 'vitest';
import { createWebhookSecret, isWebhookSecret, signDelivery } from '../../../lib/webhooks/signing.js';

const BODY = '{"type":"message.deleted","timestamp":"2026-05-01T10:00:00.000Z","data":{"ids":["m1"]}}';
const EVENT_ID = 'msg_01ARYZ6S410000000000000000';

describe('secrets', () => {
  test('are whsec_ and the base64 of 32 random bytes, never twice the same', () => {
    const secrets = Array.from({ length: 200 }, () => createWebhookSecret());
    expect(new Set(secrets).size).toBe(200);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
      expect(isWebhookSecret(secret)).toBe(true);
    }
  });

  test.each([
    ['whsec_', false],
    ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', false], // no prefix
    ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', true], // 24 bytes, the spec's example
    ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La', false], // 19 bytes
    ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!', false],
    [`whsec_${Buffer.alloc(64).toString('base64')}`, true],
    [`whsec_${Buffer.alloc(65).toString('base64')}`, false],
  ])('isWebhookSecret(%j) is %s', (secret, expected) => {
    expect(isWebhookSecret(secret)).toBe(expected);
  });
});

describe('signDelivery', () => {
  test("gives the Standard Webhooks specification's own example signature", () => {
    const headers = signDelivery(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      new Date(1614265330_000),
      '{"test": 2432232314}',
    );
    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  test('is the HMAC-SHA256 of id.timestamp.body under the decoded secret (seconds, not milliseconds)', () => {
    const secret = createWebhookSecret();
    const at = new Date('2026-05-01T10:00:00.999Z');
    const headers = signDelivery(secret, EVENT_ID, at, BODY);
    const key = Buffer.from(secret.slice(6), 'base64');
    const expected = createHmac('sha256', key).update(`${EVENT_ID}.1777629600.${BODY}`).digest('base64');
    expect(headers['webhook-timestamp']).toBe('1777629600');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
  });

  test("the package's own Webhook.verify accepts it and returns the body", () => {
    const secret = createWebhookSecret();
    const headers = signDelivery(secret, EVENT_ID, new Date(), BODY);
    expect(new Webhook(secret).verify(BODY, { ...headers })).toEqual(JSON.parse(BODY));
  });

  test('verification fails when any byte of the body, the id or the timestamp changes, or the secret differs', () => {
    const secret = createWebhookSecret();
    const headers = signDelivery(secret, EVENT_ID, new Date(), BODY);
    const verifier = new Webhook(secret);
    for (let i = 0; i < BODY.length; i += 1) {
      const changed = `${BODY.slice(0, i)}${String.fromCharCode(BODY.charCodeAt(i) ^ 1)}${BODY.slice(i + 1)}`;
      expect(() => verifier.verify(changed, { ...headers }), `byte ${i}`).toThrow(WebhookVerificationError);
    }
    expect(() => verifier.verify(BODY, { ...headers, 'webhook-id': `${EVENT_ID.slice(0, -1)}1` })).toThrow(
      WebhookVerificationError,
    );
    const earlier = String(Number(headers['webhook-timestamp']) - 1);
    expect(() => verifier.verify(BODY, { ...headers, 'webhook-timestamp': earlier })).toThrow(
      WebhookVerificationError,
    );
    expect(() => new Webhook(createWebhookSecret()).verify(BODY, { ...headers })).toThrow(
      WebhookVerificationError,
    );
  });

  test("the timestamp is the attempt's: a retry a day later is signed now, so receivers' freshness check passes", () => {
    const secret = createWebhookSecret();
    const dayOld = signDelivery(secret, EVENT_ID, new Date(Date.now() - 86_400_000), BODY);
    expect(() => new Webhook(secret).verify(BODY, { ...dayOld })).toThrow('Message timestamp too old');
    const retry = signDelivery(secret, EVENT_ID, new Date(), BODY);
    expect(retry['webhook-id']).toBe(dayOld['webhook-id']);
    expect(new Webhook(secret).verify(BODY, { ...retry })).toEqual(JSON.parse(BODY));
  });

  test('refuses a malformed secret rather than signing with a wrong key', () => {
    expect(() => signDelivery('not-a-secret', EVENT_ID, new Date(), BODY)).toThrow(
      'Not a webhook signing secret.',
    );
  });
});
