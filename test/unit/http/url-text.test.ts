import { describe, expect, it } from 'vitest';
import { withoutTrailingSlashes } from '../../../lib/http/url-text.js';

describe('withoutTrailingSlashes', () => {
  it.each([
    ['https://dl.example.com/', 'https://dl.example.com'],
    ['https://dl.example.com///', 'https://dl.example.com'],
    ['https://dl.example.com/base/', 'https://dl.example.com/base'],
    ['https://dl.example.com', 'https://dl.example.com'],
    ['///', ''],
  ])('trims %s to %s', (given, expected) => {
    expect(withoutTrailingSlashes(given)).toBe(expected);
  });

  it('stays linear on a long run of slashes that does not end the text', () => {
    const hostile = `x${'/'.repeat(1_000_000)}x`;
    const started = process.cpuUsage();
    expect(withoutTrailingSlashes(hostile)).toBe(hostile);
    const { user, system } = process.cpuUsage(started);
    expect((user + system) / 1000).toBeLessThan(200);
  });
});
