import fc from 'fast-check';
import { encodeImapMessageId } from '../../../lib/mail/ids.js';
import { shortText } from '../../support/fuzz-text.js';

/**
 * Requests generated from the served OpenAPI document: for every operation,
 * its path, query and body schemas become fast-check arbitraries that mix
 * values the schema allows with hostile ones (control characters, huge
 * values, unicode, `__proto__`, IMAP atoms and wildcards, quotes, things
 * that look like literals). Which message ids and mailboxes are real is only
 * known when a request is sent, so those are drawn as placeholders.
 */

type Schema = {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  example?: unknown;
};

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Schema;
}

interface Operation {
  operationId?: string;
  deprecated?: boolean;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses?: Record<string, unknown>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/** A path segment chosen when the request is sent: a real message or a real mailbox, or this text. */
export type Segment =
  | { kind: 'text'; value: string }
  /** The n-th message id known at send time (modulo how many there are). */
  | { kind: 'message'; n: number }
  /** An IMAP id forged for a mailbox named `mailbox` (UIDVALIDITY of INBOX at send time). */
  | { kind: 'forged'; mailbox: string; uid: number };

export interface FuzzRequest {
  method: string;
  /** The OpenAPI path template, e.g. `/v1/accounts/{account}/messages/{id}`. */
  template: string;
  params: Record<string, Segment>;
  query: Array<[string, string]>;
  body?: { contentType: string; text: string };
  /** Every free-text value the request carries (query values and names, path texts, JSON strings and keys). */
  values: string[];
}

export interface SendContext {
  messageIds: string[];
  uidValidity: number;
}

/**
 * encodeURIComponent, except that a lone surrogate (which it refuses) goes
 * out as its WTF-8 bytes, `%ED%A0%80`: not UTF-8, as a hostile client may send.
 */
export function percentEncode(text: string): string {
  let out = '';
  for (const char of text) {
    const unit = char.charCodeAt(0);
    if (char.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
      out +=
        `%${(0xe0 | (unit >> 12)).toString(16)}%${(0x80 | ((unit >> 6) & 0x3f)).toString(16)}%${(0x80 | (unit & 0x3f)).toString(16)}`.toUpperCase();
    } else out += encodeURIComponent(char);
  }
  return out;
}

/** `k=v&…`, percent-encoded. */
export function queryString(query: Array<[string, string]>): string {
  return query.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
}

/** The URL path of a request, its placeholders resolved. */
export function resolvePath(request: FuzzRequest, context: SendContext): string {
  return request.template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const segment = request.params[name];
    if (!segment) return 'x';
    if (segment.kind === 'text') return percentEncode(segment.value);
    if (segment.kind === 'message') {
      return context.messageIds[segment.n % Math.max(1, context.messageIds.length)] ?? 'iAAAAAAAAAAA';
    }
    return encodeImapMessageId(segment.mailbox, {
      uidValidity: String(context.uidValidity),
      uid: segment.uid,
    });
  });
}

/** Pieces a hostile value is made of: IMAP syntax, wildcards, literal markers, prototype keys, controls, unicode. */
const PIECES = [
  '\\Seen',
  '\\Deleted',
  '\\Recent',
  '\\*',
  '$Forwarded',
  '*',
  '%',
  '"',
  '\\',
  '\\"',
  '{5}',
  '{5+}',
  '~{5}',
  '{0}\r\n',
  '{4294967296}',
  'NIL',
  '(',
  ')',
  '[',
  ']',
  '<',
  '>',
  ' ',
  'INBOX',
  '~inbox',
  '~archive',
  '~~x',
  '~',
  '/',
  '//',
  '.',
  '..',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  '&',
  '&-',
  '&AOk-',
  '+AGE-',
  'A1 LOGOUT',
  '"\r\nA1 DELETE INBOX\r\n',
  ') OR (ALL',
  '1:*',
  '=?utf-8?q?x?=',
  '\r\n',
  '\n',
  '\r',
  '\t',
  '\u0000',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u2028',
  '\u202e',
  '\ufeff',
  'é',
  'Déjà',
  '日本',
  '😀',
  '\ud800',
];

const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PIECES) },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) },
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
  shortText.map((text) => String(text) || '%'),
);

/** A hostile text, at most `max` characters: a few pieces, or one repeated into a huge value. */
function hostileText(max: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.array(piece, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('')) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(piece, fc.integer({ min: 1, max }))
        .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length)),
    },
  );
}

/** Values a request head can carry (Node refuses heads over 16 KiB with 431 before the app). */
const headText = hostileText(3000);
const bodyText = hostileText(50_000);

const hostileKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', ''),
  hostileText(40),
);

function resolve(schema: Schema, document: OpenApiDocument): Schema {
  let current = schema;
  while (current.$ref) {
    const name = current.$ref.replace('#/components/schemas/', '');
    current = { ...document.components.schemas[name], ...current, $ref: undefined } as Schema;
  }
  if (current.allOf) {
    const merged: Schema = { ...current, allOf: undefined };
    for (const part of current.allOf) Object.assign(merged, resolve(part, document));
    return merged;
  }
  return current;
}

/** An object whose keys may be `__proto__` as an own key, as JSON.parse would make it. */
function objectOf(entries: Array<[string, unknown]>): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(object, key, { value, enumerable: true, configurable: true, writable: true });
  }
  return object;
}

/**
 * Values for a JSON schema: mostly what it allows, at the edges of what it
 * allows, hostile strings where it takes text, and now and then the wrong
 * type or an unknown key.
 */
export function fromSchema(
  schema: Schema,
  document: OpenApiDocument,
  text = bodyText,
): fc.Arbitrary<unknown> {
  const s = resolve(schema, document);
  const wrong = fc.oneof(fc.jsonValue({ maxDepth: 2 }), hostileText(200));
  let valid: fc.Arbitrary<unknown>;
  if (s.anyOf || s.oneOf) {
    valid = fc.oneof(...(s.anyOf ?? s.oneOf ?? []).map((part) => fromSchema(part, document, text)));
  } else if (s.enum) {
    valid = fc.constantFrom(...s.enum);
  } else if (s.type === 'string') {
    const examples = s.example === undefined ? [] : [fc.constant(s.example)];
    const formatted =
      s.format === 'date-time'
        ? [fc.date({ noInvalidDate: true }).map((d) => d.toISOString())]
        : [fc.constantFrom('2024-01-01', '2024-13-45', '1 Jan 2024', '-1')];
    valid = fc.oneof(
      { weight: 3, arbitrary: text },
      fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 20, 20) }),
      ...examples,
      ...formatted,
    );
  } else if (s.type === 'integer' || s.type === 'number') {
    const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1000);
    const max = Math.min(s.maximum ?? 1_000_000, Number.MAX_SAFE_INTEGER);
    valid = fc.oneof(
      fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31) }),
      fc.constantFrom(min, max, min - 1, max + 1, 2 ** 53, -0, 1.5, 1e308),
    );
  } else if (s.type === 'boolean') {
    valid = fc.boolean();
  } else if (s.type === 'array') {
    const item = fromSchema(s.items ?? {}, document, text);
    valid = fc.array(item, { minLength: 0, maxLength: Math.min(s.maxItems ?? 4, 4) });
  } else if (s.type === 'object' || s.properties) {
    const properties = Object.entries(s.properties ?? {});
    const required = new Set(s.required ?? []);
    const extra =
      typeof s.additionalProperties === 'object'
        ? fc.array(fc.tuple(hostileKey, fromSchema(s.additionalProperties, document, text)), { maxLength: 4 })
        : fc.oneof(
            { weight: 5, arbitrary: fc.constant([] as Array<[string, unknown]>) },
            fc.array(fc.tuple(hostileKey, wrong), { minLength: 1, maxLength: 2 }),
          );
    const fields = properties.map(([name, property]) =>
      required.has(name)
        ? fromSchema(property, document, text).map((value) => [[name, value]] as Array<[string, unknown]>)
        : fc
            .option(fromSchema(property, document, text), { freq: 2 })
            .map((value) => (value === null ? [] : ([[name, value]] as Array<[string, unknown]>))),
    );
    valid = fc
      .tuple(fc.tuple(...fields), extra)
      .map(([own, added]) => objectOf([...own.flat(), ...(added as Array<[string, unknown]>)]));
  } else {
    valid = fc.jsonValue({ maxDepth: 2 });
  }
  return fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: wrong });
}

/** Mailbox names: the seeded ones, roles, and hostile text. */
const mailboxSegment: fc.Arbitrary<Segment> = fc
  .oneof(
    { weight: 3, arbitrary: fc.constantFrom('INBOX', 'Fuzz', 'Fuzz/Sub', 'Archive', 'Trash') },
    fc.constantFrom('~inbox', '~sent', '~drafts', '~trash', '~junk', '~archive', '~all', '~flagged', '~nope'),
    { weight: 3, arbitrary: headText },
  )
  .map((value) => ({ kind: 'text', value }));

const messageSegment: fc.Arbitrary<Segment> = fc.oneof(
  { weight: 5, arbitrary: fc.nat().map((n) => ({ kind: 'message' as const, n })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.oneof(fc.constantFrom('INBOX', 'Fuzz', 'Nope'), headText),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      )
      .map(([mailbox, uid]) => ({ kind: 'forged' as const, mailbox, uid })),
  },
  fc
    .oneof(headText, fc.constantFrom('i', 'p', 'iAAAAAAAAAAAA', 'p__proto__'))
    .map((value) => ({ kind: 'text' as const, value })),
);

function segmentFor(name: string, schema: Schema, document: OpenApiDocument): fc.Arbitrary<Segment> {
  if (name === 'account') {
    return fc
      .oneof({ weight: 20, arbitrary: fc.constant('fuzz') }, fc.constantFrom('other', '__proto__'), headText)
      .map((value) => ({ kind: 'text', value }));
  }
  if (name === 'mailbox') return mailboxSegment;
  if (name === 'id') return messageSegment;
  if (name === 'attachmentId') {
    return fc
      .oneof(fc.constantFrom('1', '2', '2.1', '3', '0', '1.2.3.4'), headText)
      .map((value) => ({ kind: 'text', value }));
  }
  return fromSchema(schema, document, headText).map((value) => ({ kind: 'text', value: String(value) }));
}

/** A query parameter's value as text (what a client would put in the URL). */
function queryValue(schema: Schema, document: OpenApiDocument): fc.Arbitrary<string> {
  return fromSchema(schema, document, headText).map((value) =>
    typeof value === 'string' ? value : (JSON.stringify(value) ?? ''),
  );
}

/** Every string a JSON value holds, keys included. */
function stringsOf(value: unknown, into: string[]): void {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsOf(item, into);
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      into.push(key);
      stringsOf(item, into);
    }
  }
}

const RFC822 = fc
  .tuple(bodyText, headText, fc.constantFrom('\r\n', '\n', ''))
  .map(
    ([body, subject, end]) =>
      `From: a@example.com${end}Subject: ${subject}${end}Message-ID: <f@example.com>${end}${end}${body}${end}`,
  );

/** One operation's requests. */
function operationRequests(
  template: string,
  method: string,
  operation: Operation,
  document: OpenApiDocument,
): fc.Arbitrary<FuzzRequest> {
  const parameters = operation.parameters ?? [];
  const pathParameters = parameters.filter((p) => p.in === 'path');
  const queryParameters = parameters.filter((p) => p.in === 'query');
  const params = fc.record(
    Object.fromEntries(pathParameters.map((p) => [p.name, segmentFor(p.name, p.schema, document)])),
  ) as fc.Arbitrary<Record<string, Segment>>;
  // The list's header filters (`header.<name>=value`) are documented in prose, not as parameters.
  const headerFilters =
    template.endsWith('/messages') && method === 'get'
      ? [fc.tuple(fc.oneof(fc.constantFrom('X-Tag', 'Subject', '__proto__'), headText), headText)]
      : [];
  const query = fc
    .array(
      fc.oneof(
        {
          weight: 6,
          arbitrary: fc.oneof(
            ...queryParameters.map((p) => fc.tuple(fc.constant(p.name), queryValue(p.schema, document))),
            fc.tuple(fc.constant('limit'), fc.constant('1')),
          ),
        },
        ...headerFilters.map((pair) => ({
          weight: 2,
          arbitrary: pair.map(([name, value]) => [`header.${name}`, value] as [string, string]),
        })),
        { weight: 1, arbitrary: fc.tuple(hostileKey, headText) },
      ),
      { maxLength: 4 },
    )
    .map((pairs) => pairs as Array<[string, string]>);
  const contents = Object.entries(operation.requestBody?.content ?? {});
  const body: fc.Arbitrary<{ contentType: string; text: string; json?: unknown } | undefined> =
    contents.length === 0
      ? fc.constant(undefined)
      : fc.oneof(
          ...contents.map(([contentType, { schema }]) => ({
            weight: 4,
            arbitrary:
              contentType === 'application/json'
                ? fromSchema(schema, document).map((json) => ({
                    contentType,
                    text: JSON.stringify(json) ?? 'null',
                    json,
                  }))
                : RFC822.map((text) => ({ contentType, text })),
          })),
          // The wrong media type, or text that is not JSON at all.
          fc
            .tuple(fc.constantFrom('application/json', 'text/plain', 'message/rfc822'), bodyText)
            .map(([contentType, text]) => ({ contentType, text })),
        );
  return fc.tuple(params, query, body).map(([p, q, b]) => {
    const values: string[] = [];
    for (const segment of Object.values(p)) {
      if (segment.kind === 'text') values.push(segment.value);
      if (segment.kind === 'forged') values.push(segment.mailbox);
    }
    for (const [name, value] of q) values.push(name.replace(/^header\./, ''), value);
    if (b?.json !== undefined) stringsOf(b.json, values);
    const request: FuzzRequest = {
      method: method.toUpperCase(),
      template,
      params: p,
      query: q,
      values,
      ...(b ? { body: { contentType: b.contentType, text: b.text } } : {}),
    };
    return request;
  });
}

/** Every operation under /v1 of the document, each as likely as the others. */
export function requestsFrom(document: OpenApiDocument): fc.Arbitrary<FuzzRequest> {
  const operations: Array<fc.Arbitrary<FuzzRequest>> = [];
  for (const [template, item] of Object.entries(document.paths)) {
    if (!template.startsWith('/v1/')) continue;
    for (const [method, operation] of Object.entries(item)) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      operations.push(operationRequests(template, method, operation, document));
    }
  }
  return fc.oneof(...operations);
}

/** How a request is shown in a failure: its body can be tens of kilobytes. */
export function describeRequest(request: FuzzRequest, context: SendContext): string {
  const query = queryString(request.query);
  const url = `${resolvePath(request, context)}${query ? `?${query}` : ''}`;
  const body = request.body
    ? ` ${request.body.contentType} ${JSON.stringify(request.body.text.slice(0, 200))} (${request.body.text.length} chars)`
    : '';
  return `${request.method} ${url.slice(0, 400)}${body}`;
}
