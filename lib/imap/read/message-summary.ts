import type { FetchMessageObject, FetchQueryObject, ImapFlow, MessageAddressObject } from 'imapflow';
import { encodeImapMessageId } from '../../mail/ids.js';
import type { Address, MessageSummary } from '../../mail/types.js';
import { parseHeaderDate } from '../../mime/header-date.js';
import { getHeader, parseHeaderBlock } from '../../mime/headers.js';
import { parseMessageId, parseMessageIds } from '../../mime/message-ids.js';
import { collapsePreview, PREVIEW_PREFIX_BYTES, previewFromBodyPrefix } from '../../mime/preview.js';
import { hasAttachments } from '../../mime/select-bodies.js';
import type { MimeNode } from '../../mime/types.js';
import { type FetchItem, fetchWithItems, type ParsedResponse, type ResponseItem } from '../imapflow/index.js';
import { toMimeTree } from './body-structure.js';

/**
 * Everything a summary needs, in one FETCH: UID FLAGS INTERNALDATE
 * RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (REFERENCES)]
 * (ENVELOPE has no References). imapflow adds EMAILID/THREADID (RFC 8474)
 * or X-GM-MSGID/X-GM-THRID on its own where the server has them.
 */
export const SUMMARY_QUERY: FetchQueryObject = {
  uid: true,
  flags: true,
  internalDate: true,
  size: true,
  envelope: true,
  bodyStructure: true,
  headers: ['references'],
  threadId: true,
};

const FLAG_KEYS = ['flags', 'seen', 'flagged', 'answered', 'draft'];
const ENVELOPE_KEYS = ['date', 'subject', 'from', 'to', 'cc', 'bcc', 'replyTo', 'messageId', 'inReplyTo'];

/**
 * The summary FETCH items the summary keys in `fields` need (all of them
 * when absent): UID always; FLAGS, INTERNALDATE, RFC822.SIZE, ENVELOPE,
 * the References field and THREADID each only for their keys;
 * BODYSTRUCTURE for `hasAttachments`, and for `preview` where the preview
 * is read from a body prefix (it gives the boundary and encoding).
 */
export function summaryQuery(
  fields: ReadonlySet<string> | undefined,
  source: PreviewSource,
): FetchQueryObject {
  const base = source === 'prefix' ? PREFIX_QUERY : SUMMARY_QUERY;
  if (!fields) return base;
  const wants = (keys: readonly string[]) => keys.some((key) => fields.has(key));
  const query: FetchQueryObject = { uid: true };
  if (wants(FLAG_KEYS)) query.flags = true;
  if (fields.has('receivedAt')) query.internalDate = true;
  if (fields.has('size')) query.size = true;
  if (wants(ENVELOPE_KEYS)) query.envelope = true;
  if (fields.has('references')) query.headers = ['references'];
  if (wants(['emailId', 'threadId'])) query.threadId = true;
  if (fields.has('hasAttachments') || (fields.has('preview') && source === 'prefix')) {
    query.bodyStructure = true;
  }
  if (fields.has('preview') && source === 'prefix') query.bodyParts = PREFIX_QUERY.bodyParts;
  return query;
}

/**
 * Whether a row of the summary FETCH for `fields` answers it: it carries the
 * first item every such FETCH asks for beyond UID and FLAGS (an unsolicited
 * FETCH of flag changes, which a server may send in between, carries none).
 */
export function isSummaryRow(row: FetchMessageObject, fields?: ReadonlySet<string>): boolean {
  const query = summaryQuery(fields, 'preview');
  if (query.envelope) return row.envelope !== undefined;
  if (query.size) return row.size !== undefined;
  if (query.internalDate) return row.internalDate !== undefined;
  if (query.bodyStructure) return row.bodyStructure !== undefined;
  if (query.headers) return row.headers !== undefined;
  return row.uid !== undefined;
}

/** A summary FETCH row with the preview the server computed (string or null), when it did. */
export type SummaryRow = FetchMessageObject & { preview?: string | null };

/** How the summaries' FETCH gets previews from this server. */
type PreviewSource = 'preview' | 'snippet' | 'prefix';

function previewSource(client: ImapFlow): PreviewSource {
  if (client.capabilities.has('PREVIEW')) return 'preview';
  // Dovecot before RFC 8970 was final (2.3.0 to 2.3.14): `SNIPPET (FUZZY)`.
  if (client.capabilities.has('SNIPPET=FUZZY')) return 'snippet';
  return 'prefix';
}

const PREVIEW_ITEMS: Record<'preview' | 'snippet', FetchItem[]> = {
  preview: [{ type: 'ATOM', value: 'PREVIEW' }],
  snippet: [{ type: 'ATOM', value: 'SNIPPET' }, [{ type: 'ATOM', value: 'FUZZY' }]],
};

/** The summaries' query where the server computes no preview: the body's first bytes ride along. */
const PREFIX_QUERY: FetchQueryObject = {
  ...SUMMARY_QUERY,
  bodyParts: [{ key: 'TEXT', start: 0, maxLength: PREVIEW_PREFIX_BYTES }],
};

function nodeText(item: ResponseItem | undefined): string | null {
  if (item === undefined || item === null) return null;
  // `SNIPPET (FUZZY "text")`, and the draft's `PREVIEW (FUZZY "text")`: the text comes last.
  if (Array.isArray(item)) return nodeText(item[item.length - 1]);
  const value = item.value;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return null;
}

/** `PREVIEW` (or `SNIPPET`) and `UID` of one raw untagged FETCH row into `previews`. */
function readPreview(untagged: ParsedResponse, previews: Map<number, string | null>): void {
  const attributes = Array.isArray(untagged.attributes) ? untagged.attributes : [];
  const list: ResponseItem[] = Array.isArray(attributes[1]) ? attributes[1] : [];
  let uid: number | null = null;
  let preview: string | null | undefined;
  for (let i = 0; i + 1 < list.length; i += 2) {
    const key = list[i];
    const name = Array.isArray(key) || typeof key?.value !== 'string' ? '' : key.value.toUpperCase();
    if (name === 'UID') {
      const value = nodeText(list[i + 1]);
      if (value !== null && /^\d{1,10}$/.test(value)) uid = Number(value);
    } else if (name === 'PREVIEW' || name === 'SNIPPET') {
      preview = nodeText(list[i + 1]);
    }
  }
  if (uid !== null && preview !== undefined) previews.set(uid, preview);
}

/**
 * The summary rows of `range` in ONE FETCH, each with its preview: the
 * server's `PREVIEW` (RFC 8970) where it has it, else Dovecot's older
 * `SNIPPET (FUZZY)`, else `BODY.PEEK[TEXT]<0.2048>` decoded here (see
 * summaryPreview). PREVIEW is an item imapflow does not know: it goes
 * through the FETCH hook (imapflow/fetch-extras.ts) and is read from the
 * raw rows.
 */
export async function fetchSummaryRows(
  client: ImapFlow,
  range: string,
  options: { uid: boolean; fields?: ReadonlySet<string> },
): Promise<SummaryRow[]> {
  const source = previewSource(client);
  const query = summaryQuery(options.fields, source);
  const fetchOptions = { uid: options.uid };
  if (source !== 'prefix' && (!options.fields || options.fields.has('preview'))) {
    const previews = new Map<number, string | null>();
    const answer = await fetchWithItems(
      client,
      [options.uid ? 'UID FETCH' : 'FETCH'],
      PREVIEW_ITEMS[source],
      (untagged) => readPreview(untagged, previews),
      () => client.fetchAll(range, query, fetchOptions),
    );
    if (answer) {
      return answer.result.map((row) => Object.assign(row, { preview: previews.get(row.uid) ?? null }));
    }
    return client.fetchAll(range, summaryQuery(options.fields, 'prefix'), fetchOptions);
  }
  return client.fetchAll(range, query, fetchOptions);
}

/**
 * A row's preview: the server's, collapsed and cut like ours; else from the
 * body prefix of PREFIX_QUERY. That prefix is the body after the message's
 * header: a single-part message's text itself, or a multipart's preamble and
 * first parts, read with the boundary BODYSTRUCTURE gives (the part numbers
 * are not known before the FETCH, which carries BODYSTRUCTURE itself). Text
 * that starts past the first 2 KiB (a long preamble, a big first
 * attachment, a multipart/related whose HTML is preceded by a large part)
 * gives no preview: null.
 */
function summaryPreview(message: SummaryRow, tree: MimeNode | null): string | null {
  if (message.preview !== undefined) return collapsePreview(message.preview);
  const prefix = message.bodyParts?.get('text');
  if (!prefix || !tree) return null;
  return previewFromBodyPrefix(tree, prefix, prefix.length >= PREVIEW_PREFIX_BYTES);
}

function address(entry: MessageAddressObject | undefined): Address | null {
  if (!entry || (!entry.name && !entry.address)) return null;
  return { name: entry.name || null, address: entry.address || null };
}

function addresses(list: MessageAddressObject[] | undefined): Address[] {
  return (list ?? []).map(address).filter((entry): entry is Address => entry !== null);
}

function isoDate(value: Date | string | undefined): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  return typeof value === 'string' ? parseHeaderDate(value) : null;
}

/** References from a `BODY[HEADER.FIELDS (REFERENCES)]` or full `BODY[HEADER]` block. */
export function referencesOf(headerBlock: Buffer | undefined): string[] {
  if (!headerBlock) return [];
  return parseMessageIds(getHeader(parseHeaderBlock(headerBlock).headers, 'references'));
}

/**
 * A summary from one FETCH row. `tree` may be passed when the caller already
 * converted the BODYSTRUCTURE.
 */
export function toMessageSummary(
  message: SummaryRow,
  mailboxPath: string,
  uidValidity: string,
  tree: MimeNode | null = message.bodyStructure ? toMimeTree(message.bodyStructure) : null,
): MessageSummary {
  // \Recent belongs to one IMAP session, not to the message (RFC 9051 deprecates it); never report it.
  const flags = [...(message.flags ?? [])].filter((flag) => flag.toLowerCase() !== '\\recent');
  const has = (flag: string) => flags.some((f) => f.toLowerCase() === flag);
  const envelope = message.envelope ?? {};
  const summary: MessageSummary = {
    id: encodeImapMessageId(mailboxPath, { uidValidity, uid: message.uid }),
    mailbox: mailboxPath,
    uid: message.uid,
    flags,
    seen: has('\\seen'),
    flagged: has('\\flagged'),
    answered: has('\\answered'),
    draft: has('\\draft'),
    receivedAt: isoDate(message.internalDate),
    date: isoDate(envelope.date),
    size: message.size ?? 0,
    subject: envelope.subject ?? null,
    from: address(envelope.from?.[0]) ?? address(envelope.sender?.[0]),
    to: addresses(envelope.to),
    cc: addresses(envelope.cc),
    bcc: addresses(envelope.bcc),
    replyTo: addresses(envelope.replyTo),
    messageId: parseMessageId(envelope.messageId),
    inReplyTo: parseMessageId(envelope.inReplyTo),
    references: referencesOf(message.headers),
    hasAttachments: tree ? hasAttachments(tree) : false,
    preview: summaryPreview(message, tree),
  };
  if (message.emailId) summary.emailId = message.emailId;
  if (message.threadId) summary.threadId = message.threadId;
  return summary;
}
