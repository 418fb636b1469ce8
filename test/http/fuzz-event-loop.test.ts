import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type EventLoopWatch, watchEventLoop } from '../support/event-loop-watch.js';
import { Runs, runsText, shortText } from '../support/fuzz-text.js';
import { buildTestApp } from '../support/http-helpers.js';
import { buildMailData } from '../support/memory-store.js';

/**
 * Requests generated for the routes whose schemas take free input (list
 * query, bulk, append, mailbox create, changes), with values made of long
 * runs of syntax characters (test/support/fuzz-text.ts), random JSON and
 * keys such as `__proto__`, sent through the in-memory app. No request may
 * hold the event loop more than 100 ms or answer 500.
 */

const MAILBOX = '/v1/accounts/alpha/mailboxes/INBOX';

/** A request head stays under Node's 16 KB limit; anything longer is 431 before the app sees it. */
const headText = runsText(4_000);
const bodyText = runsText(60_000);

const LIST_KEYS = [
  'cursor',
  'limit',
  'seen',
  'from',
  'subject',
  'text',
  'since',
  'before',
  'larger',
  'header.X-Tag',
];
const FILTER_KEYS = [
  'seen',
  'flagged',
  'from',
  'subject',
  'since',
  'before',
  'larger',
  'smaller',
  'header',
  '__proto__',
];

const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  bodyText.map(String),
  shortText.map(String),
  fc.jsonValue({ maxDepth: 2 }),
  fc.dictionary(shortText.map(String), bodyText.map(String), { maxKeys: 3 }),
);

/** Builds an object whose keys may include `__proto__` as an own key, as JSON.parse would. */
const jsonObject = (keys: readonly string[]) =>
  fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...keys), shortText.map(String)), jsonValue), { maxLength: 4 })
    .map((entries) => {
      const object: Record<string, unknown> = {};
      for (const [key, value] of entries)
        Object.defineProperty(object, key, { value, enumerable: true, configurable: true, writable: true });
      return object;
    });

/** Mostly base64, with runs of the blanks it may contain and the odd character it may not. */
const base64Text = fc
  .array(
    fc.tuple(
      fc.constantFrom('QUJD', 'A', '+/', '=', '==', ' ', '\n', '\r\n', '\r\n ', '!', '-', '\u00e9'),
      fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 40_000 })),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((runs) => String(new Runs(runs)));

interface FuzzRequest {
  path: string;
  method: string;
  contentType?: string;
  body?: string;
}

const query = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(...LIST_KEYS),
        shortText.map((t) => `header.${t}`),
      ),
      headText,
    ),
    {
      maxLength: 4,
    },
  )
  .map((pairs) =>
    pairs
      .map(
        ([key, value]: [string, Runs]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`,
      )
      .join('&')
      .slice(0, 12_000),
  );

const json = (path: string, body: unknown): FuzzRequest => ({
  path,
  method: 'POST',
  contentType: 'application/json',
  body: JSON.stringify(body),
});

const bulkBody = fc
  .record({
    filter: jsonObject(FILTER_KEYS),
    ids: fc.array(jsonValue, { maxLength: 3 }),
    action: fc.oneof(fc.constantFrom('flag', 'move', 'copy', 'delete'), jsonValue),
    flags: jsonObject(['add', 'remove', 'set']),
    to: jsonValue,
  })
  .chain((all) =>
    fc
      .subarray(Object.keys(all) as Array<keyof typeof all>)
      .map((keys) => Object.fromEntries(keys.map((key) => [key, all[key]]))),
  );

/** fast-check prints a failing request by this: its body can be hundreds of kilobytes. */
function printable(r: FuzzRequest): FuzzRequest {
  const body =
    r.body === undefined ? '' : ` ${JSON.stringify(r.body.slice(0, 300))} (${r.body.length} chars)`;
  return Object.assign(r, {
    [fc.toStringMethod]: () => `${r.method} ${r.path.slice(0, 300)} ${r.contentType ?? ''}${body}`,
  });
}

const request: fc.Arbitrary<FuzzRequest> = fc
  .oneof(
    { weight: 2, arbitrary: query.map((q) => ({ path: `${MAILBOX}/messages?${q}`, method: 'GET' })) },
    query.map((q) => ({ path: `${MAILBOX}/changes?${q.replace('cursor=', 'since=')}`, method: 'GET' })),
    { weight: 2, arbitrary: bulkBody.map((body) => json(`${MAILBOX}/messages/bulk`, body)) },
    {
      weight: 2,
      arbitrary: fc
        .record(
          {
            raw: fc.oneof({ weight: 3, arbitrary: base64Text }, jsonValue),
            flags: jsonValue,
            date: jsonValue,
          },
          { requiredKeys: ['raw'] },
        )
        .map((body) => json(`${MAILBOX}/messages`, body)),
    },
    bodyText.map((raw) => ({
      path: `${MAILBOX}/messages`,
      method: 'POST',
      contentType: 'message/rfc822',
      body: String(raw),
    })),
    jsonValue.map((path) => json('/v1/accounts/alpha/mailboxes', { path })),
    bodyText.map((text) => ({
      path: `${MAILBOX}/messages/bulk`,
      method: 'POST',
      contentType: 'application/json',
      body: String(text),
    })),
  )
  .map(printable);

let watch: EventLoopWatch;
beforeAll(async () => {
  watch = await watchEventLoop();
});
afterAll(() => watch.stop());

it('no generated request holds the event loop over 100 ms or answers 500', async () => {
  const { request: send } = buildTestApp({ data: buildMailData() });
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      let status = 0;
      const stall = await watch.check(async () => {
        const response = await send(r.path, {
          method: r.method,
          headers: r.contentType ? { 'Content-Type': r.contentType } : {},
          body: r.body,
        });
        status = response.status;
        await response.arrayBuffer();
      });
      expect(stall).toBeNull();
      expect(status).not.toBe(500);
    }),
    { numRuns: 300, endOnFailure: true },
  );
}, 120_000);
