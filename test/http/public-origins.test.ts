import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config/env.js';
import { ConfigurationError } from '../../lib/mail/errors.js';
import { buildTestApp, readJson, TOKENS } from '../support/http-helpers.js';

const MESSAGE = '/v1/accounts/alpha/messages/i-msg-1';

async function rawUrlVia(app: ReturnType<typeof buildTestApp>['app'], origin: string): Promise<string> {
  const response = await app.request(`${origin}${MESSAGE}`, {
    headers: { Authorization: `Bearer ${TOKENS.readAlpha}` },
  });
  expect(response.status).toBe(200);
  return (await readJson(response)).rawUrl as string;
}

describe('links with MAILGATE_PUBLIC_ORIGINS', () => {
  it('never name an origin a client made up', async () => {
    const { app } = buildTestApp({
      config: loadConfig({ MAILGATE_PUBLIC_ORIGINS: 'https://mail.example.com' }),
    });
    expect(await rawUrlVia(app, 'http://evil.example')).toBe(`https://mail.example.com${MESSAGE}/raw`);
    expect(await rawUrlVia(app, 'https://mail.example.com')).toBe(`https://mail.example.com${MESSAGE}/raw`);
  });

  it("name the request's origin when it is listed, else the first", async () => {
    const { app } = buildTestApp({
      config: loadConfig({ MAILGATE_PUBLIC_ORIGINS: 'https://a.example, http://b.example:8025/' }),
    });
    expect(await rawUrlVia(app, 'http://b.example:8025')).toBe(`http://b.example:8025${MESSAGE}/raw`);
    expect(await rawUrlVia(app, 'http://b.example:9999')).toBe(`https://a.example${MESSAGE}/raw`);
  });

  it('leave MAILGATE_DOWNLOAD_BASE_URL first', async () => {
    const { app } = buildTestApp({
      config: loadConfig({
        MAILGATE_PUBLIC_ORIGINS: 'https://mail.example.com',
        MAILGATE_DOWNLOAD_BASE_URL: 'https://dl.example.test/prod/',
      }),
    });
    expect(await rawUrlVia(app, 'http://evil.example')).toBe(`https://dl.example.test/prod${MESSAGE}/raw`);
  });

  it.each([
    'https://mail.example.com/prefix',
    'ftp://mail.example.com',
    'not a url',
    ' , ',
    'https://u:p@x.example',
  ])('refuses %j as a setting, naming the variable', (value) => {
    expect(() => loadConfig({ MAILGATE_PUBLIC_ORIGINS: value })).toThrow(ConfigurationError);
    expect(() => loadConfig({ MAILGATE_PUBLIC_ORIGINS: value })).toThrow(/MAILGATE_PUBLIC_ORIGINS/);
  });
});
