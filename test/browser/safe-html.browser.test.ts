import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sanitizeMessageHtml } from '../../lib/mime/safe-html.js';
import { xssVectors } from '../fixtures/xss/vectors.js';

// Sanitised HTML in a real Chromium (Debian's `chromium`, driven by
// playwright-core, which downloads nothing): no vector may run script, open
// a dialog, set a global or reach a host other than loopback; ordinary
// newsletters still render, their cid: images served from loopback.

const CHROMIUM = '/usr/bin/chromium';
const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);
const ALLOWED_IMAGE = /^(http:\/\/127\.0\.0\.1:\d+\/|data:image\/(png|gif|jpeg|webp)[;,])/i;

/** A width×height PNG of horizontal bands of the given colours. */
function png(width: number, height: number, colours: Array<[number, number, number]>): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // truecolour
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const [r, g, b] = colours[Math.floor((y * colours.length) / height)]!;
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) row.set([r, g, b], 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

interface Loopback {
  base: string;
  pages: Map<string, string>;
  images: Map<string, Buffer>;
  close(): Promise<void>;
}

/** Serves the pages under test and the cid images, on 127.0.0.1 only. */
async function startLoopback(): Promise<Loopback> {
  const pages = new Map<string, string>();
  const images = new Map<string, Buffer>();
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const page = pages.get(path);
    const image = images.get(path);
    if (page !== undefined) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    } else if (image !== undefined) {
      response.writeHead(200, { 'content-type': 'image/png' }).end(image);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    pages,
    images,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function pageSource(body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${body}</body></html>`;
}

interface Trip {
  dialogs: string[];
  requests: string[];
}

let browser: Browser;
let context: BrowserContext;
let page: Page;
let loopback: Loopback;
const trip: Trip = { dialogs: [], requests: [] };

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: the browser tests need Debian's \`chromium\` package (apt-get install chromium; .ci/run installs it).`,
    );
  }
  loopback = await startLoopback();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  context = await browser.newContext({ viewport: { width: 800, height: 900 } });
  // Every request is recorded; only loopback is let through. Popups are in the context too.
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    trip.requests.push(url);
    const { protocol, hostname } = new URL(url);
    if (protocol === 'http:' && LOOPBACK.has(hostname)) await route.continue();
    else await route.abort();
  });
  // A vector that runs sets a global: alert and friends are rewritten to set it too.
  await context.addInitScript({
    content: `(() => {
      const hit = () => { window.__xss = 1; };
      window.alert = hit;
      window.confirm = () => { hit(); return false; };
      window.prompt = () => { hit(); return null; };
      window.print = hit;
      document.write = hit;
      document.writeln = hit;
    })();`,
  });
  page = await context.newPage();
  page.on('dialog', (dialog) => {
    trip.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await loopback?.close();
});

/** Loads `html` as a page from loopback and nudges it the ways the vectors wait for. */
async function load(path: string, html: string): Promise<void> {
  loopback.pages.set(path, pageSource(html));
  trip.dialogs.length = 0;
  trip.requests.length = 0;
  await page.goto(`${loopback.base}${path}`, { waitUntil: 'load' });
  await page.mouse.move(10, 10);
  await page.mouse.move(400, 300, { steps: 4 });
  await page.evaluate(`(() => {
    for (const element of document.querySelectorAll('*')) {
      for (const type of ['mouseover', 'mouseenter', 'focus', 'focusin', 'animationstart', 'toggle']) {
        element.dispatchEvent(new Event(type, { bubbles: true }));
      }
      if (typeof element.focus === 'function') element.focus();
    }
    window.scrollTo(0, document.body.scrollHeight);
  })()`);
}

interface PageState {
  xss: string;
  handlers: string[];
  scripts: number;
  badUrls: string[];
}

// What runs in the page is a string: the project's TypeScript has no DOM types.
async function pageState(): Promise<PageState> {
  return page.evaluate<PageState>(`(() => {
    const handlers = [];
    const badUrls = [];
    for (const element of document.querySelectorAll('*')) {
      for (const attribute of element.attributes) {
        if (attribute.name.toLowerCase().startsWith('on')) handlers.push(element.localName + ' ' + attribute.name);
      }
    }
    for (const link of document.querySelectorAll('a[href]')) {
      if (!['http:', 'https:', 'mailto:', 'tel:'].includes(link.protocol)) badUrls.push(link.href);
    }
    const allowed = new RegExp(${JSON.stringify(ALLOWED_IMAGE.source)}, 'i');
    for (const image of document.images) {
      if (image.src && !allowed.test(image.src)) badUrls.push(image.src);
    }
    return { xss: typeof window.__xss, handlers, scripts: document.scripts.length, badUrls };
  })()`);
}

function foreignRequests(): string[] {
  return trip.requests.filter((url) => {
    const { protocol, hostname } = new URL(url);
    return (
      !(protocol === 'http:' && LOOPBACK.has(hostname)) && !/^data:image\/(png|gif|jpeg|webp)[;,]/i.test(url)
    );
  });
}

const vectors = xssVectors();

describe('sanitised XSS vectors in Chromium', () => {
  it('the page would catch a vector that ran (the unsanitised vectors trip it)', async () => {
    await load(
      '/control',
      '<img src=x onerror="alert(1)"><script>window.__xss = 1</script><img src="https://evil.example/x.png">',
    );
    expect((await pageState()).xss).toBe('number');
    expect(foreignRequests()).toEqual(['https://evil.example/x.png']);
    await load('/control-id', '<img id="__xss">');
    expect((await pageState()).xss).toBe('object');
  });

  it.each(vectors.map((vector, index) => [vector.name, index, vector.html] as const))(
    '%s',
    async (_name, index, html) => {
      const safe = sanitizeMessageHtml(html, {
        images: 'block',
        cidUrl: (contentId) => `${loopback.base}/att/${encodeURIComponent(contentId)}`,
      });
      await load(`/vector/${index}`, safe.html);
      const state = await pageState();
      expect(state).toEqual({ xss: 'undefined', handlers: [], scripts: 0, badUrls: [] });
      expect(trip.dialogs).toEqual([]);
      expect(foreignRequests()).toEqual([]);
    },
  );
});

const NEWSLETTERS = join(import.meta.dirname, '../fixtures/newsletters');

describe('ordinary newsletters still render', () => {
  it.each([
    ['retail.html', 4, 1],
    ['digest.html', 3, 1],
    ['receipt.html', 2, 0],
  ])(
    '%s: every cid image loads from loopback, remote ones blocked, the page is not blank',
    async (file, cids, remote) => {
      const source = readFileSync(join(NEWSLETTERS, file), 'utf8');
      const palette: Array<Array<[number, number, number]>> = [
        [
          [192, 57, 43],
          [44, 62, 80],
        ],
        [
          [26, 115, 232],
          [251, 188, 5],
        ],
        [
          [39, 174, 96],
          [142, 68, 173],
        ],
      ];
      let served = 0;
      const safe = sanitizeMessageHtml(source, {
        images: 'block',
        cidUrl: (contentId) => {
          const path = `/att/${file}/${encodeURIComponent(contentId)}`;
          loopback.images.set(path, png(120, 80, palette[served++ % palette.length]!));
          return `${loopback.base}${path}`;
        },
      });
      expect(safe.imagesBlocked).toBe(remote);
      await load(`/newsletter/${file}`, safe.html);
      const images = await page.evaluate<Array<{ src: string | null; loaded: boolean }>>(
        `Array.from(document.images).map((image) => ({
          src: image.getAttribute('src'),
          loaded: image.complete && image.naturalWidth > 0,
        }))`,
      );
      const fromCid = images.filter((image) => image.src?.startsWith(`${loopback.base}/att/`));
      expect(fromCid).toHaveLength(cids);
      expect(fromCid.every((image) => image.loaded)).toBe(true);
      expect(images.filter((image) => image.src === null)).toHaveLength(remote);
      expect(foreignRequests()).toEqual([]);

      await page.evaluate('window.scrollTo(0, 0)');
      const shot = await page.screenshot({ type: 'png', fullPage: true });
      expect(shot.length).toBeGreaterThan(1000);
      // The screenshot decoded by the browser itself: how many distinct colours it holds.
      const colours = await page.evaluate<number>(`(async () => {
        const image = new Image();
        image.src = 'data:image/png;base64,${shot.toString('base64')}';
        await image.decode();
        const canvas = document.createElement('canvas');
        canvas.width = image.naturalWidth;
        canvas.height = image.naturalHeight;
        const context2d = canvas.getContext('2d');
        context2d.drawImage(image, 0, 0);
        const { data } = context2d.getImageData(0, 0, canvas.width, canvas.height);
        const seen = new Set();
        for (let i = 0; i < data.length && seen.size < 1000; i += 4 * 7) {
          seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        }
        return seen.size;
      })()`);
      expect(colours).toBeGreaterThan(10);
    },
  );
});
