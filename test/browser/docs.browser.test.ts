import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ServerType, serve } from '@hono/node-server';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../support/http-helpers.js';

// The /docs reference page in a real Chromium (Debian's `chromium`, driven
// by playwright-core, which downloads nothing), served by the gateway's own
// app on loopback with every other host blocked: it must render every
// operation of the OpenAPI document from what the gateway serves alone.

const CHROMIUM = '/usr/bin/chromium';
const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);
/** Kept for a look after the run (gitignored). */
const SCREENSHOT = fileURLToPath(new URL('../../test-artifacts/docs.png', import.meta.url));

type Document = { paths: Record<string, Record<string, unknown>> };

let server: ServerType;
let base: string;
let browser: Browser;
let page: Page;
/** Every request the page made, and those to another host (aborted). */
const requests: string[] = [];
const leftLoopback: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: the browser tests need Debian's \`chromium\` package (apt-get install chromium; .ci/run installs it).`,
    );
  }
  const { app } = buildTestApp();
  server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    requests.push(url);
    const { protocol, hostname } = new URL(url);
    if (protocol === 'http:' && LOOPBACK.has(hostname)) {
      await route.continue();
    } else {
      leftLoopback.push(url);
      await route.abort();
    }
  });
  page = await context.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

/**
 * Scrolls the page to its end a viewport at a time, collecting the text
 * shown at each step: the reference renders a tag's operations only as they
 * come near the viewport.
 */
async function readWholePage(): Promise<string> {
  const seen: string[] = [];
  let lastHeight = -1;
  let stableSteps = 0;
  // Bounded: the page is a few dozen viewports long.
  for (let step = 0; step < 500 && stableSteps < 5; step++) {
    // A string, evaluated in the page: this project's types have no DOM. The rendered text (innerText), where a
    // method and its path are separate words; textContent runs them together.
    const { text, height, atEnd } = await page.evaluate<{
      text: string;
      height: number;
      atEnd: boolean;
    }>(`(() => {
      window.scrollBy(0, window.innerHeight);
      return {
        text: document.body.innerText,
        height: document.body.scrollHeight,
        atEnd: window.innerHeight + window.scrollY >= document.body.scrollHeight - 2,
      };
    })()`);
    seen.push(text);
    stableSteps = atEnd && height === lastHeight ? stableSteps + 1 : 0;
    lastHeight = height;
    // Lets the lazily rendered sections mount before the next step.
    await page.waitForLoadState('networkidle');
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => resolve(null)))');
  }
  return seen.join('\n').replace(/\s+/g, ' ');
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('/docs in a real browser, with every host but loopback blocked', () => {
  it('renders every operation of /openapi.json from what the gateway serves, and asks no other host', async () => {
    const document = (await (await fetch(`${base}/openapi.json`)).json()) as Document;
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.length).toBeGreaterThan(30);

    await page.goto(`${base}/docs`);
    // The operation list: each tag lists its operations as method and path.
    await page.getByText('/health', { exact: true }).first().waitFor({ timeout: 60_000 });
    const text = await readWholePage();

    // Each operation shown as "METHOD /path", not as the prefix of a longer path.
    const missing = operations.filter(
      (operation) => !new RegExp(`${escapeRegExp(operation)}(?![\\w/{}.-])`).test(text),
    );
    expect(missing).toEqual([]);

    await page.evaluate('window.scrollTo(0, 0)');
    await mkdir(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });

    expect(leftLoopback).toEqual([]);
    // The script came from the gateway itself.
    expect(requests).toContain(`${base}/docs/api-reference.js`);
  }, 180_000);
});
