import { describe, expect, test, vi } from 'vitest';
import {
  checkWebhookUrl,
  parseWebhookUrl,
  type Resolver,
  WebhookUrlError,
} from '../../../lib/webhooks/url-guard.js';

const PUBLIC = { allowPrivate: false };
const PRIVATE = { allowPrivate: true };

/** A resolver for made-up names; a name it does not know fails as DNS would. */
function resolverOf(table: Record<string, string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (host: string) => {
    calls.push(host);
    const found = table[host];
    if (found === undefined)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found;
  };
  return Object.assign(resolve, { calls });
}

function refusal(run: () => unknown): WebhookUrlError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookUrlError);
    return error as WebhookUrlError;
  }
  throw new Error('not refused');
}

describe('parseWebhookUrl: the form', () => {
  test('https to a public address is accepted, any port, path and query kept', () => {
    const target = parseWebhookUrl('https://93.184.216.34:8443/hooks/in?key=abc', PUBLIC);
    expect(target).toMatchObject({ host: '93.184.216.34', port: 8443, isAddress: true });
    expect(target.url.pathname + target.url.search).toBe('/hooks/in?key=abc');
    expect(parseWebhookUrl('https://hooks.example.com/in', PUBLIC)).toMatchObject({
      host: 'hooks.example.com',
      port: 443,
      isAddress: false,
    });
    expect(parseWebhookUrl('https://[2606:4700::1111]/', PUBLIC)).toMatchObject({
      host: '2606:4700::1111',
      isAddress: true,
    });
  });

  test.each([
    ['http://hooks.example.com/in', PUBLIC, 'scheme', 'The webhook URL must use https.'],
    ['ftp://hooks.example.com/in', PRIVATE, 'scheme', 'The webhook URL must use https or http.'],
    ['javascript:alert(1)', PRIVATE, 'scheme', 'The webhook URL must use https or http.'],
    [
      '/relative/path',
      PUBLIC,
      'malformed',
      'The webhook URL is not an absolute URL without spaces or control characters.',
    ],
    [
      ' https://hooks.example.com/',
      PUBLIC,
      'malformed',
      'The webhook URL is not an absolute URL without spaces or control characters.',
    ],
    [
      'https://hooks.exam\nple.com/',
      PUBLIC,
      'malformed',
      'The webhook URL is not an absolute URL without spaces or control characters.',
    ],
    [
      'https://hooks.example.com/a\tb',
      PUBLIC,
      'malformed',
      'The webhook URL is not an absolute URL without spaces or control characters.',
    ],
    [
      'https://user:pw@hooks.example.com/',
      PUBLIC,
      'userinfo',
      'The webhook URL must not contain a user name or password.',
    ],
    [
      'https://user@hooks.example.com/',
      PUBLIC,
      'userinfo',
      'The webhook URL must not contain a user name or password.',
    ],
    [
      'https://hooks.example.com/in#part',
      PUBLIC,
      'fragment',
      'The webhook URL must not contain a fragment (#…).',
    ],
    [
      'https://hooks.example.com/in#',
      PUBLIC,
      'fragment',
      'The webhook URL must not contain a fragment (#…).',
    ],
  ])('%s is refused (%o): %s', (url, options, reason, detail) => {
    expect(refusal(() => parseWebhookUrl(url, options))).toMatchObject({
      code: 'invalid_request',
      reason,
      detail,
    });
  });

  test('plain http is allowed only with allowPrivate', () => {
    expect(parseWebhookUrl('http://127.0.0.1:8080/in', PRIVATE)).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
    });
    expect(parseWebhookUrl('http://hooks.example.com/in', PRIVATE).port).toBe(80);
  });

  test.each([
    ['https://127.0.0.1/', 'loopback'],
    ['https://[::1]/', 'loopback'],
    ['https://2130706433/', 'loopback'], // 127.0.0.1 as one number: the URL parser's IPv4 forms are caught
    ['https://0x7f.1/', 'loopback'],
    ['https://[::ffff:127.0.0.1]/', 'loopback'],
    ['https://[::ffff:7f00:1]/', 'loopback'],
    ['https://10.0.0.1/', 'private'],
    ['https://0.0.0.0/', 'unspecified'],
    ['https://169.254.169.254/latest/meta-data/', 'metadata'],
    ['https://[fd00:ec2::254]/', 'metadata'],
  ])('a literal address host is checked at once: %s is %s', (url, reason) => {
    expect(refusal(() => parseWebhookUrl(url, PUBLIC)).reason).toBe(reason);
  });

  test('allowPrivate admits loopback and private literals, never metadata or unspecified ones', () => {
    expect(parseWebhookUrl('http://127.0.0.1:9/', PRIVATE).host).toBe('127.0.0.1');
    expect(parseWebhookUrl('http://[::1]:9/', PRIVATE).host).toBe('::1');
    expect(parseWebhookUrl('http://192.168.1.20/', PRIVATE).host).toBe('192.168.1.20');
    expect(refusal(() => parseWebhookUrl('http://169.254.169.254/', PRIVATE)).reason).toBe('metadata');
    expect(refusal(() => parseWebhookUrl('http://[::ffff:a9fe:a9fe]/', PRIVATE)).reason).toBe('metadata');
    expect(refusal(() => parseWebhookUrl('http://0.0.0.0:8080/', PRIVATE)).reason).toBe('unspecified');
  });

  test('no refusal quotes the path or the query, where receivers keep their tokens', () => {
    const urls = [
      'http://hooks.example.com/T0SECRET/B0SECRET?token=SECRET',
      'https://u:SECRET@hooks.example.com/SECRET',
      'https://hooks.example.com/SECRET#SECRET',
      'https://127.0.0.1/SECRET?token=SECRET',
      'https://169.254.169.254/SECRET?SECRET',
      'https://[::ffff:7f00:1]:8443/SECRET?SECRET',
    ];
    for (const url of urls)
      expect(refusal(() => parseWebhookUrl(url, PUBLIC)).detail).not.toContain('SECRET');
  });
});

describe('checkWebhookUrl: a name is checked after resolution', () => {
  test('a name resolving to public addresses only is accepted, with those addresses', async () => {
    const resolve = resolverOf({
      'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    });
    await expect(
      checkWebhookUrl('https://hooks.example.com/in', { ...PUBLIC, resolve }),
    ).resolves.toMatchObject({
      host: 'hooks.example.com',
      addresses: ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    });
  });

  test('a name resolving to loopback is refused, naming the name and the address', async () => {
    const resolve = resolverOf({ 'evil.example': ['127.0.0.1'] });
    await expect(
      checkWebhookUrl('https://evil.example/?t=SECRET', { ...PUBLIC, resolve }),
    ).rejects.toMatchObject({
      reason: 'loopback',
      detail:
        'The webhook host evil.example resolves to 127.0.0.1, a loopback address; webhooks may only call public addresses.',
    });
  });

  test('one refused address among public ones refuses the name', async () => {
    const resolve = resolverOf({ 'mixed.example': ['93.184.216.34', '10.0.0.5'] });
    await expect(checkWebhookUrl('https://mixed.example/', { ...PUBLIC, resolve })).rejects.toMatchObject({
      reason: 'private',
    });
  });

  test('allowPrivate: localhost may resolve to loopback, but a name for the metadata address is refused', async () => {
    const resolve = resolverOf({ localhost: ['::1', '127.0.0.1'], 'meta.example': ['169.254.169.254'] });
    await expect(checkWebhookUrl('http://localhost:3000/', { ...PRIVATE, resolve })).resolves.toMatchObject({
      addresses: ['::1', '127.0.0.1'],
    });
    await expect(checkWebhookUrl('http://meta.example/', { ...PRIVATE, resolve })).rejects.toMatchObject({
      reason: 'metadata',
    });
  });

  test('a literal address is not looked up; a refused form is not looked up either', async () => {
    const resolve = resolverOf({});
    await expect(checkWebhookUrl('https://93.184.216.34/', { ...PUBLIC, resolve })).resolves.toMatchObject({
      addresses: ['93.184.216.34'],
    });
    await expect(checkWebhookUrl('http://hooks.example.com/', { ...PUBLIC, resolve })).rejects.toMatchObject({
      reason: 'scheme',
    });
    expect(resolve.calls).toEqual([]);
  });

  test('a name that does not resolve, resolves to nothing or to something not an address is refused', async () => {
    const resolve = resolverOf({ 'empty.example': [], 'odd.example': ['not-an-ip'] });
    await expect(checkWebhookUrl('https://nowhere.example/', { ...PUBLIC, resolve })).rejects.toMatchObject({
      reason: 'unresolvable',
      detail: 'The webhook host nowhere.example could not be resolved.',
    });
    await expect(checkWebhookUrl('https://empty.example/', { ...PUBLIC, resolve })).rejects.toMatchObject({
      reason: 'unresolvable',
      detail: 'The webhook host empty.example has no address.',
    });
    await expect(checkWebhookUrl('https://odd.example/', { ...PUBLIC, resolve })).rejects.toMatchObject({
      reason: 'not_an_address',
    });
  });

  test('a lookup that never answers is given up after timeoutMs', async () => {
    vi.useFakeTimers();
    try {
      const pending = checkWebhookUrl('https://slow.example/', {
        ...PUBLIC,
        resolve: () => new Promise<string[]>(() => {}),
        timeoutMs: 2000,
      });
      const settled = expect(pending).rejects.toMatchObject({ reason: 'unresolvable' });
      await vi.advanceTimersByTimeAsync(2000);
      await settled;
    } finally {
      vi.useRealTimers();
    }
  });
});
