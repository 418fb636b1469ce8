import { z } from '@hono/zod-openapi';
import { InvalidRequestError } from '../mail/errors.js';
import { isHeaderName } from '../mail/protocol-text.js';
import {
  type FilterInstant,
  type Header,
  type ListQuery,
  type ListSort,
  type MessageFilter,
  SORT_KEYS,
  type SortKey,
} from '../mail/types.js';
import {
  filterText,
  hasLineBreakingCharacter,
  isTrue,
  MAX_FILTER_CHARS,
  MAX_HEADER_FILTERS,
  opaqueToken,
  queryBoolean,
  queryInteger,
} from './input-limits.js';
import { MAX_FIELDS_CHARS, parseFields } from './routes/messages/message-display.js';
import { messageSummarySchema } from './schemas/message.schema.js';

export const DEFAULT_PAGE_SIZE = 50;
export const HEADER_FILTER_PREFIX = 'header.';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

const instantText = z
  .string()
  .refine(
    (value) => parseInstant(value) !== null,
    'must be an ISO 8601 date (2026-01-31) or date-time with a zone',
  )
  .openapi({ description: 'ISO 8601 date (to the day) or date-time with a zone (to the second).' });

export const listQuerySchema = z.object({
  cursor: opaqueToken.optional().openapi({ description: 'Opaque cursor from the previous page.' }),
  limit: queryInteger(1, 200).optional().openapi({ default: DEFAULT_PAGE_SIZE }),
  seen: queryBoolean.optional(),
  flagged: queryBoolean.optional(),
  answered: queryBoolean.optional(),
  draft: queryBoolean.optional(),
  from: filterText.optional(),
  to: filterText.optional(),
  cc: filterText.optional(),
  subject: filterText.optional(),
  text: filterText.optional().openapi({ description: 'Anywhere in headers or body.' }),
  body: filterText.optional(),
  since: instantText.optional().openapi({ description: 'Received on or after (INTERNALDATE).' }),
  before: instantText.optional().openapi({ description: 'Received before (INTERNALDATE).' }),
  larger: queryInteger(0, Number.MAX_SAFE_INTEGER).optional().openapi({ description: 'Size in bytes.' }),
  smaller: queryInteger(1, Number.MAX_SAFE_INTEGER).optional().openapi({ description: 'Size in bytes.' }),
  sort: z
    .enum(SORT_KEYS)
    .optional()
    .openapi({
      description:
        'The order of the list: `arrival` (the order messages were added to the mailbox, by UID; the default), ' +
        "`date` (Date header, else the received time), `from` (the sender's display name where the IMAP server " +
        'has SORT=DISPLAY, else the address), `subject` (ignoring `Re:`/`Fwd:`, case-insensitive) or `size`. ' +
        'Sorted by the IMAP server (SORT, RFC 5256) and combined with every filter; equal keys run in arrival ' +
        'order (reversed with `desc`). Without SORT, `arrival` and `date` (sorted by the gateway, up to 20,000 ' +
        'matching messages), and POP3 only the default order: other ' +
        "values are 501 `unsupported_operation` (the account's `capabilities.sort` lists what it takes).",
      example: 'date',
    }),
  order: z
    .enum(['asc', 'desc'])
    .optional()
    .openapi({
      description:
        'Default `desc` (newest, largest first) for `arrival`, `date` and `size`; `asc` (A to Z) for `from` and ' +
        '`subject`. A cursor keeps the sort and order it was issued for: using it with another is 400.',
      example: 'desc',
    }),
  fields: z
    .string()
    .max(MAX_FIELDS_CHARS)
    .optional()
    .openapi({
      example: 'subject,from,date,seen,preview',
      description:
        'Only these fields of each summary, comma-separated (JMAP-style property selection); `id` is always ' +
        'there. An unknown name is 400 `invalid_request`. What no listed field needs is not read from the ' +
        'mail server: IMAP asks ENVELOPE only for `date`, `subject`, the addresses, `messageId` or ' +
        '`inReplyTo`, BODYSTRUCTURE only for `hasAttachments` (or `preview` where the server has no ' +
        'PREVIEW), the preview only for `preview`, FLAGS, INTERNALDATE, RFC822.SIZE, References and THREADID ' +
        'only for their fields; POP3 reads only the header block (`TOP n 0`) without `preview`.',
    }),
});

/** Every field of a summary, for `?fields=`. */
export const SUMMARY_FIELDS: readonly string[] = Object.keys(messageSummarySchema.shape);

/** The order a key lists in when `order` is not given: newest or largest first, names A to Z. */
export function defaultOrder(key: SortKey): 'asc' | 'desc' {
  return key === 'from' || key === 'subject' ? 'asc' : 'desc';
}

export type ListQueryInput = z.output<typeof listQuerySchema>;

const KNOWN_KEYS = new Set(Object.keys(listQuerySchema.shape));

/** A date is midnight UTC to the day; a date-time must carry its zone, else it would be the server's guess. */
export function parseInstant(value: string): FilterInstant | null {
  const date = DATE.exec(value);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const at = new Date(Date.UTC(year, month - 1, day));
    const valid = at.getUTCFullYear() === year && at.getUTCMonth() === month - 1 && at.getUTCDate() === day;
    return valid ? { at, precision: 'day' } : null;
  }
  const time = DATE_TIME.exec(value);
  if (!time) return null;
  const [month, day, hour, minute, second] = [time[2], time[3], time[4], time[5], time[6] ?? '0'].map(Number);
  const at = new Date(value);
  const inRange =
    month! >= 1 && month! <= 12 && day! >= 1 && day! <= 31 && hour! <= 23 && minute! <= 59 && second! <= 59;
  return inRange && !Number.isNaN(at.getTime()) ? { at, precision: 'second' } : null;
}

/**
 * `header.NAME=value` parameters, in the order given. A repeated name adds
 * another condition (AND). An empty value asks for messages that have the header.
 * @throws InvalidRequestError for a bad name, value, or an unknown parameter.
 */
export function headerFilters(queries: Record<string, string[]>): Header[] {
  const headers: Header[] = [];
  for (const [key, values] of Object.entries(queries)) {
    if (!key.startsWith(HEADER_FILTER_PREFIX)) {
      if (!KNOWN_KEYS.has(key))
        throw new InvalidRequestError(`Unknown query parameter '${key.slice(0, 60)}'.`);
      continue;
    }
    const name = key.slice(HEADER_FILTER_PREFIX.length);
    if (!isHeaderName(name)) throw new InvalidRequestError('A header filter needs a valid header name.');
    for (const value of values) {
      if (value.length > MAX_FILTER_CHARS || hasLineBreakingCharacter(value)) {
        throw new InvalidRequestError(
          `Header filter '${name}' must be at most ${MAX_FILTER_CHARS} characters without CR, LF or NUL.`,
        );
      }
      headers.push({ name, value });
    }
  }
  if (headers.length > MAX_HEADER_FILTERS)
    throw new InvalidRequestError(`A list takes at most ${MAX_HEADER_FILTERS} header filters.`);
  return headers;
}

/**
 * Turns the validated query string into the store's ListQuery.
 * @throws InvalidRequestError for an empty or unknown `fields` name
 */
export function buildListQuery(input: ListQueryInput, headers: Header[]): ListQuery {
  const filter: MessageFilter = {};
  for (const flag of ['seen', 'flagged', 'answered', 'draft'] as const) {
    if (input[flag] !== undefined) filter[flag] = isTrue(input[flag]);
  }
  for (const field of ['from', 'to', 'cc', 'subject', 'text', 'body'] as const) {
    if (input[field] !== undefined) filter[field] = input[field];
  }
  if (input.since !== undefined) filter.since = parseInstant(input.since) ?? undefined;
  if (input.before !== undefined) filter.before = parseInstant(input.before) ?? undefined;
  if (input.larger !== undefined) filter.larger = input.larger;
  if (input.smaller !== undefined) filter.smaller = input.smaller;
  if (headers.length > 0) filter.headers = headers;
  const query: ListQuery = { limit: input.limit ?? DEFAULT_PAGE_SIZE, filter };
  if (input.cursor !== undefined) query.cursor = input.cursor;
  const fields = parseFields(input.fields, SUMMARY_FIELDS);
  if (fields !== null) query.fields = fields;
  if (input.sort !== undefined || input.order !== undefined) {
    const key = input.sort ?? 'arrival';
    const sort: ListSort = { key, order: input.order ?? defaultOrder(key) };
    query.sort = sort;
  }
  return query;
}
