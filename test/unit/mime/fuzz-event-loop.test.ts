import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  decodeText,
  decodeTransfer,
  describeAttachment,
  type ParsedMimeNode,
  parseMimeTree,
  selectBodies,
  summarizeHeaders,
} from '../../../lib/mime/index.js';
import { type EventLoopWatch, watchEventLoop } from '../../support/event-loop-watch.js';
import { type Runs, runsText, shortText } from '../../support/fuzz-text.js';

/**
 * Messages generated from runs of the characters MIME syntax is made of
 * (test/support/fuzz-text.ts), parsed and read the way a GET reads them. No message may hold the event loop more than 100 ms.
 * fast-check prints the seed and the recipe of any message that does.
 */

const text = runsText();

const FIELD_NAMES = [
  'Content-Type',
  'Content-ID',
  'Content-Disposition',
  'Content-Transfer-Encoding',
  'From',
  'To',
  'Cc',
  'Subject',
  'Date',
  'Message-ID',
  'References',
  'X-Fuzz',
];
const field = fc.tuple(fc.oneof(fc.constantFrom(...FIELD_NAMES), shortText), text);
const contentType = fc.oneof(
  fc.constantFrom('text/plain', 'text/html; charset=utf-8', 'text/plain; charset=utf-7', 'application/pdf'),
  fc
    .tuple(fc.constantFrom('text/plain; charset=', 'application/x; name=', 'image/png; name*0='), shortText)
    .map(([head, tail]) => `${head}"${tail}"`),
);
const encoding = fc.constantFrom('7bit', 'base64', 'quoted-printable', '8bit');

const part = fc.record({
  type: contentType,
  encoding,
  fields: fc.array(field, { maxLength: 2 }),
  body: text,
});

const message = fc.record({
  fields: fc.array(field, { maxLength: 4 }),
  boundary: fc.oneof(fc.constant('b'), shortText, text),
  parts: fc.array(part, { maxLength: 3 }),
  body: text,
});

type Message = typeof message extends fc.Arbitrary<infer T> ? T : never;

const headerBlock = (fields: ReadonlyArray<readonly [string | Runs, Runs]>) =>
  fields.map(([name, value]) => `${name}: ${value}\r\n`).join('');

function render(recipe: Message): Buffer {
  const top = headerBlock(recipe.fields);
  if (recipe.parts.length === 0) return Buffer.from(`${top}\r\n${recipe.body}`, 'utf8');
  const parts = recipe.parts.map(
    (p) =>
      `--${recipe.boundary}\r\nContent-Type: ${p.type}\r\nContent-Transfer-Encoding: ${p.encoding}\r\n` +
      `${headerBlock(p.fields)}\r\n${p.body}\r\n`,
  );
  const head = `${top}Content-Type: multipart/mixed; boundary="${recipe.boundary}"\r\n\r\n`;
  return Buffer.from(`${head}${recipe.body}\r\n${parts.join('')}--${recipe.boundary}--\r\n`, 'utf8');
}

/** What a GET does with a message: structure, summary, bodies and attachments. */
function readMessage(raw: Buffer): void {
  const root = parseMimeTree(raw);
  summarizeHeaders(root.headers);
  const { textBody, htmlBody, attachments } = selectBodies(root);
  for (const node of [...textBody, ...htmlBody, ...attachments] as ParsedMimeNode[]) {
    const bytes = decodeTransfer(raw.subarray(node.bodyStart, node.bodyEnd), node.encoding);
    decodeText(bytes, node.params.charset);
    describeAttachment(node, bytes.length);
  }
}

let watch: EventLoopWatch;
beforeAll(async () => {
  watch = await watchEventLoop();
});
afterAll(() => watch.stop());

it('no generated message holds the event loop over 100 ms', async () => {
  await fc.assert(
    fc.asyncProperty(message, async (recipe) => {
      const stall = await watch.check(() => readMessage(render(recipe)));
      expect(stall).toBeNull();
    }),
    { numRuns: 300, endOnFailure: true },
  );
}, 120_000);
