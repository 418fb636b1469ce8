import { describe, expect, it } from 'vitest';
import { accountDocumentSchema } from '../../lib/credentials/account.js';
import { parseTokenId } from '../../lib/credentials/tokens.js';
import { contentDisposition, safeContentType, safeFilename } from '../../lib/http/content-disposition.js';
import { flagListSchema, normaliseFlag } from '../../lib/http/flags.js';
import { headerFilters, listQuerySchema, parseInstant } from '../../lib/http/list-query.js';
import { assertPlausibleMessage } from '../../lib/http/plausible-message.js';
import { decodeRaw } from '../../lib/http/routes/append/append-body.js';
import { bulkBody } from '../../lib/http/schemas/bulk.schema.js';
import { appendJsonBody } from '../../lib/http/schemas/write.schema.js';
import { buildSearchQuery } from '../../lib/imap/read/search-query.js';
import { mapImapError } from '../../lib/imap/session/map-imap-error.js';
import {
  decodeHeaderValue,
  decodeText,
  decodeTransfer,
  normalizeTransferEncoding,
  parseAddressList,
  parseHeaderBlock,
  parseHeaderDate,
  parseMessageIds,
  parseMimeTree,
  parseStructuredHeader,
  resolveCharset,
} from '../../lib/mime/index.js';
import { DotUnstuffer } from '../../lib/pop3/dot-unstuffer.js';
import { buildPop3Message } from '../../lib/pop3/message-content.js';
import { parseCapa } from '../../lib/pop3/parse-capa.js';
import { parseListing, parseSizes } from '../../lib/pop3/parse-listing.js';
import { ResponseReader } from '../../lib/pop3/response-reader.js';
import { greetingTimestamp, parsePop3Status } from '../../lib/pop3/status-line.js';
import { buildTestApp } from '../support/http-helpers.js';

/**
 * Every parser and validator that sees request or mail data, run on 1 MB
 * inputs shaped to make backtracking regular expressions and naive scanners
 * super-linear. One call may take at most 200 ms: anything slower stalls
 * every request the process serves. Each input grows 16 KB → 64 KB →
 * 256 KB → 1 MB and must stay within the budget at every size, so quadratic
 * code fails at the first size where it is too slow (within 16 times the
 * budget) instead of hanging the run for minutes at 1 MB.
 */

const BUDGET_MS = 200;
const FULL = 1024 * 1024;
const SIZES = [FULL / 64, FULL / 16, FULL / 4, FULL];

const run = (unit: string, length: number) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

/**
 * [label, build(n)]: long runs of one character (or of a short unit) that
 * overlapping quantifiers can split many ways, each ended by a byte no
 * pattern accepts so that the match fails only at the very end.
 */
const SHAPES: Array<[string, (n: number) => string]> = [
  ...['<', '>', '@', '"', "'", '(', '\\', ' ', '\n', '=', '*', ';', ':', '-', '%', '0', 'a'].map(
    (c): [string, (n: number) => string] => [`run of ${JSON.stringify(c)}`, (n) => `${run(c, n)}\x01`],
  ),
  ['"<" then "@"s', (n) => `<${run('@', n)}`],
  ['"=?" then text', (n) => `=?${run('a', n)}`],
  ['"{" then digits', (n) => `{${run('9', n)}`],
  ['text then spaces', (n) => `a${run(' ', n)}\x01`],
  ['repeated "=?"', (n) => run('=?', n)],
  ['repeated CRLF SP', (n) => run('\r\n ', n)],
  ['repeated "; a="', (n) => run('; a=', n)],
  ['repeated "a@b, "', (n) => run('a@b, ', n)],
  ['repeated delimiter lines', (n) => run('\r\n--b', n)],
];

type Target = (input: string) => unknown;

/**
 * Milliseconds one call holds the event loop. The smaller of wall-clock and
 * process CPU time: other processes on a busy machine inflate the first, GC
 * threads running beside the call the second; neither is the call's cost.
 */
async function timeCall(target: Target, input: string): Promise<number> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  try {
    await target(input);
  } catch {
    // Refusing the input is fine; only the time matters here.
  }
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return Math.min(wall, (used.user + used.system) / 1000);
}

/** A slow first try may be a pause of the machine, not of the code: keep the faster of two. */
async function bestOf2(target: Target, input: string): Promise<number> {
  const first = await timeCall(target, input);
  return first <= BUDGET_MS ? first : Math.min(first, await timeCall(target, input));
}

async function slowShapes(target: Target, largest = FULL): Promise<string[]> {
  const slow: string[] = [];
  await timeCall(target, 'warm-up');
  for (const [label, build] of SHAPES) {
    for (const size of SIZES.filter((n) => n <= largest)) {
      const ms = await bestOf2(target, build(size));
      if (ms > BUDGET_MS) {
        slow.push(`${label}: ${ms.toFixed(0)} ms at ${size / 1024} KB`);
        break;
      }
    }
  }
  return slow;
}

const bytes = (text: string) => Buffer.from(text, 'latin1');
const GET_OPTIONS = { body: 'both', maxBodyBytes: null, markSeen: false } as const;
/** `text` cut into fields of 16 KB each (a line break in it ends the header block early, which is fine). */
function fields(name: string, text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i += 16384) out += `${name}: ${text.slice(i, i + 16384)}\r\n`;
  return out;
}
const pop3Message = (text: string) => buildPop3Message(bytes(text), 'p-1', text.length, GET_OPTIONS);

const MAIL_TARGETS: Array<[string, Target]> = [
  ['header block', (s) => parseHeaderBlock(bytes(s))],
  ['header field value', (s) => parseHeaderBlock(bytes(`X-Long: ${s}\r\n\r\n`))],
  ['MIME tree: Content-Type', (s) => parseMimeTree(bytes(`Content-Type: ${s}\r\n\r\nbody`))],
  ['MIME tree: Content-ID', (s) => parseMimeTree(bytes(`Content-ID: ${s}\r\n\r\nbody`))],
  [
    'MIME tree: boundary',
    (s) => parseMimeTree(bytes(`Content-Type: multipart/mixed; boundary="${s}"\r\n\r\n--${s}\r\n`)),
  ],
  [
    'MIME tree: multipart body',
    (s) => parseMimeTree(bytes(`Content-Type: multipart/mixed; boundary=b\r\n\r\n${s}`)),
  ],
  ['POP3 message: From', (s) => pop3Message(`From: ${s}\r\n\r\nbody`)],
  ['POP3 message: To', (s) => pop3Message(`To: ${s}\r\n\r\nbody`)],
  ['POP3 message: Subject', (s) => pop3Message(`Subject: ${s}\r\n\r\nbody`)],
  ['POP3 message: Date', (s) => pop3Message(`Date: ${s}\r\n\r\nbody`)],
  ['POP3 message: References', (s) => pop3Message(`References: ${s}\r\n\r\nbody`)],
  ['POP3 message: To repeated', (s) => pop3Message(`${fields('To', s)}\r\nbody`)],
  ['POP3 message: Content-Type repeated', (s) => pop3Message(`${fields('Content-Type', s)}\r\nbody`)],
  ['POP3 message: Content-ID', (s) => pop3Message(`Content-ID: ${s}\r\n\r\nbody`)],
  ['POP3 message: charset', (s) => pop3Message(`Content-Type: text/plain; charset="${s}"\r\n\r\nbody`)],
  [
    'POP3 message: filename',
    (s) =>
      pop3Message(
        `Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="${s}"\r\n\r\nx`,
      ),
  ],
  ['POP3 message: encoding', (s) => pop3Message(`Content-Transfer-Encoding: ${s}\r\n\r\nbody`)],
  [
    'POP3 message: quoted-printable body',
    (s) => pop3Message(`Content-Transfer-Encoding: quoted-printable\r\n\r\n${s}`),
  ],
  ['POP3 message: base64 body', (s) => pop3Message(`Content-Transfer-Encoding: base64\r\n\r\n${s}`)],
  ['POP3 message: UTF-7 body', (s) => pop3Message(`Content-Type: text/plain; charset=utf-7\r\n\r\n${s}`)],
  ['header date', (s) => parseHeaderDate(s)],
  ['encoded words', (s) => decodeHeaderValue(s)],
  ['address list', (s) => parseAddressList(s)],
  ['message ids', (s) => parseMessageIds(s)],
  ['structured header', (s) => parseStructuredHeader(`text/plain; name=${s}`)],
  ['charset label', (s) => resolveCharset(s)],
  ['transfer encoding name', (s) => normalizeTransferEncoding(s)],
  ['text decoding', (s) => decodeText(bytes(s), 'utf-8')],
  ['quoted-printable', (s) => decodeTransfer(bytes(s), 'quoted-printable')],
  ['download filename', (s) => contentDisposition('attachment', s)],
  ['download filename, cleaned', (s) => safeFilename(s)],
  ['download content type', (s) => safeContentType(`text/plain; name=${s}`)],
];

const PROTOCOL_TARGETS: Array<[string, Target]> = [
  ['IMAP error text', (s) => mapImapError(Object.assign(new Error(s), { responseText: s, code: s }))],
  ['POP3 status line', (s) => parsePop3Status(bytes(`-ERR ${s}`))],
  ['POP3 APOP timestamp', (s) => greetingTimestamp({ kind: 'ok', code: null, text: s })],
  ['POP3 UIDL listing', (s) => parseListing(bytes(`1 ${s}\r\n2 ${s}`))],
  ['POP3 LIST sizes', (s) => parseSizes(bytes(`1 ${s}`))],
  ['POP3 CAPA', (s) => parseCapa(bytes(s))],
  ['POP3 dot-unstuffing', (s) => new DotUnstuffer().push(bytes(s))],
  [
    'POP3 response reader',
    (s) =>
      new ResponseReader(
        { onStatus: () => true, onBody: () => undefined, onBodyEnd: () => undefined },
        { maxLineBytes: 2 * FULL },
      ).push(bytes(`+OK ${s}\r\n${s}\r\n.\r\n`)),
  ],
];

const REQUEST_TARGETS: Array<[string, Target]> = [
  ['append JSON schema', (s) => appendJsonBody.safeParse({ raw: `QUJD${s}` })],
  ['append base64 decoding', (s) => decodeRaw(s, 10 * FULL)],
  ['append plausibility', (s) => assertPlausibleMessage(bytes(s))],
  ['append plausibility, header line', (s) => assertPlausibleMessage(bytes(`Subject: x\r\n${s}: y\r\n\r\n`))],
  ['flag names', (s) => [normaliseFlag(s), flagListSchema.safeParse([s])]],
  ['list query schema', (s) => listQuerySchema.safeParse({ subject: s, since: s, cursor: s, limit: s })],
  ['list instant', (s) => parseInstant(s)],
  ['list header filter', (s) => headerFilters({ [`header.${s}`]: [s] })],
  ['search criteria', (s) => buildSearchQuery({ subject: s, headers: [{ name: s, value: s }] })],
  [
    'bulk filter',
    (s) => bulkBody.safeParse({ filter: { subject: s, header: { [s]: s } }, action: 'delete' }),
  ],
  ['bulk ids', (s) => bulkBody.safeParse({ ids: [s], action: 'delete' })],
  ['token id', (s) => parseTokenId(`mg_${s}`)],
  [
    'account document',
    (s) => accountDocumentSchema.safeParse({ protocol: 'imap', host: s, user: s, port: 1 }),
  ],
];

describe('no input stalls the event loop', () => {
  it.each(MAIL_TARGETS)('mail data: %s', async (_name, target) => {
    expect(await slowShapes(target)).toEqual([]);
  });

  it.each(PROTOCOL_TARGETS)('server answers: %s', async (_name, target) => {
    expect(await slowShapes(target)).toEqual([]);
  });

  it.each(REQUEST_TARGETS)('request data: %s', async (_name, target) => {
    expect(await slowShapes(target)).toEqual([]);
  });

  describe('whole requests through the app', () => {
    const { request } = buildTestApp();
    const inbox = '/v1/accounts/alpha/mailboxes/INBOX';
    /** Percent-encoded and cut back to the input's length, so the request target is the size under test. */
    const url = (s: string) =>
      encodeURIComponent(s)
        .slice(0, s.length)
        .replace(/%[0-9A-F]?$/, '');
    // Node answers 431 to a request head over 16 KB, so a path, query or
    // header value never reaches the app longer than that: tried to 64 KB.
    const HEAD_LIMIT = FULL / 16;
    const inHead: Array<[string, Target]> = [
      ['bearer token', (s) => request(`${inbox}/messages`, { token: s })],
      ['request id', (s) => request(`${inbox}/messages`, { headers: { 'X-Request-Id': s } })],
      ['unknown path', (s) => request(`/v1/${url(s)}`)],
      ['mailbox segment', (s) => request(`/v1/accounts/alpha/mailboxes/${url(s)}/messages`)],
      ['list cursor', (s) => request(`${inbox}/messages?cursor=${url(s)}`)],
      ['list header filter', (s) => request(`${inbox}/messages?header.${url(s)}=x`)],
      ['list filter value', (s) => request(`${inbox}/messages?subject=${url(s)}&since=${url(s)}`)],
      [
        'append content type',
        (s) => request(`${inbox}/messages`, { method: 'POST', body: 'x', headers: { 'Content-Type': s } }),
      ],
    ];
    const inBody: Array<[string, Target]> = [
      [
        'bulk body',
        (s) =>
          request(`${inbox}/messages/bulk`, {
            method: 'POST',
            json: { filter: { subject: s, header: { [s]: s } }, action: 'delete' },
          }),
      ],
      ['append JSON', (s) => request(`${inbox}/messages`, { method: 'POST', json: { raw: s } })],
      [
        'append message',
        (s) =>
          request(`${inbox}/messages`, {
            method: 'POST',
            body: s,
            headers: { 'Content-Type': 'message/rfc822' },
          }),
      ],
    ];
    const whole = (target: Target) => async (s: string) =>
      (await (target(s) as Promise<Response>)).arrayBuffer();
    it.each(inHead)('in the request head: %s', async (_name, target) => {
      expect(await slowShapes(whole(target), HEAD_LIMIT)).toEqual([]);
    });
    it.each(inBody)('in the body: %s', async (_name, target) => {
      expect(await slowShapes(whole(target))).toEqual([]);
    });
  });
});
