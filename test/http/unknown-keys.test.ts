import { describe, expect, it } from 'vitest';
import { buildTestApp, readProblem } from '../support/http-helpers.js';

function manyKeys(count: number, prefix = 'extra'): Record<string, number> {
  const keys: Record<string, number> = {};
  for (let i = 0; i < count; i += 1) keys[`${prefix}${i}`] = i;
  return keys;
}

describe('a 400 for unknown keys', () => {
  it('names at most 20 of them, however many the body has', async () => {
    const { request, stores } = buildTestApp();
    const response = await request('/v1/accounts/alpha/messages/i-msg-1', {
      method: 'PATCH',
      json: { flags: { add: ['\\Seen'] }, ...manyKeys(100_000) },
    });
    expect(response.status).toBe(400);
    const text = await response.clone().text();
    expect(text.length).toBeLessThan(2_000);
    const { detail } = await readProblem(response);
    expect(detail).toContain('"extra0"');
    expect(detail).toContain('"extra19"');
    expect(detail).not.toContain('"extra20"');
    expect(detail).toContain('and 99980 more');
    expect(stores.opened).toHaveLength(0);
  });

  it('names unknown keys of a nested object the same way', async () => {
    const { request } = buildTestApp();
    const response = await request('/v1/accounts/alpha/messages/i-msg-1', {
      method: 'PATCH',
      json: { flags: { add: ['\\Seen'], ...manyKeys(500, 'x') } },
    });
    expect(response.status).toBe(400);
    const { detail } = await readProblem(response);
    expect(detail).toContain("body field 'flags'");
    expect(detail).toContain('and 480 more');
    expect((detail as string).length).toBeLessThan(1_000);
  });

  it('quotes a huge key only in part', async () => {
    const { request } = buildTestApp();
    const key = 'k'.repeat(500_000);
    const response = await request('/v1/accounts/alpha/mailboxes', {
      method: 'POST',
      json: { path: 'A', [key]: 1 },
    });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text.length).toBeLessThan(1_000);
  });

  it("bounds a bulk filter's unknown keys and a huge header name alike", async () => {
    const { request } = buildTestApp();
    const bulk = (filter: Record<string, unknown>) =>
      request('/v1/accounts/alpha/mailboxes/INBOX/messages/bulk', {
        method: 'POST',
        json: { filter, action: 'flag', flags: { add: ['\\Seen'] } },
      });
    for (const response of [
      await bulk({ seen: false, ...manyKeys(50_000) }),
      await bulk({ header: { [`X-${'h'.repeat(300_000)}:`]: 'v' } }),
    ]) {
      expect(response.status).toBe(400);
      expect((await response.text()).length).toBeLessThan(2_000);
    }
  });
});
