/** Domain types shared by every mail store and the HTTP layer. No I/O here. */

export type Protocol = 'imap' | 'pop3';

export const MAILBOX_ROLES = [
  'inbox',
  'sent',
  'drafts',
  'trash',
  'junk',
  'archive',
  'all',
  'flagged',
] as const;
export type MailboxRole = (typeof MAILBOX_ROLES)[number];

/** A mailbox named by its full path or by a role (`~sent` in a URL). */
export type MailboxRef = { kind: 'path'; path: string } | { kind: 'role'; role: MailboxRole };

/**
 * Where a message id is looked up: `null` for the mailbox the id itself names
 * (ids address messages on their own), or a mailbox the id must belong to
 * (the mailbox-nested routes), where an id of another mailbox is not found.
 */
export type MessageScope = MailboxRef | null;

export interface Address {
  name: string | null;
  address: string | null;
}

export interface Mailbox {
  path: string;
  name: string;
  parent: string | null;
  delimiter: string | null;
  role: MailboxRole | null;
  /** The SPECIAL-USE attribute as the server spells it (`\Sent`), or null. */
  specialUse: string | null;
  subscribed: boolean;
  /** Only with `counts`. */
  total?: number;
  unseen?: number;
  uidNext?: number | null;
}

export interface MailboxStatus {
  path: string;
  name: string;
  role: MailboxRole | null;
  total: number;
  unseen: number | null;
  uidNext: number | null;
  uidValidity: string | null;
  highestModseq: string | null;
  /** Opaque token for `changes`/`wait`; null where the server cannot support them. */
  state: string | null;
}

export interface MessageSummary {
  id: string;
  mailbox: string;
  uid?: number;
  flags: string[];
  seen: boolean;
  flagged: boolean;
  answered: boolean;
  draft: boolean;
  receivedAt: string | null;
  date: string | null;
  size: number;
  subject: string | null;
  from: Address | null;
  to: Address[];
  cc: Address[];
  bcc: Address[];
  replyTo: Address[];
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  hasAttachments: boolean;
  /**
   * At most 200 characters of the message's text (its HTML's text when it
   * has no plain text), whitespace collapsed; null when it has no text.
   */
  preview: string | null;
  emailId?: string;
  threadId?: string;
}

export interface Header {
  name: string;
  value: string;
}

export interface AttachmentMeta {
  id: string;
  filename: string | null;
  /** Media type with its parameters as the message declares them (charset kept). */
  contentType: string;
  /** Decoded size in bytes (an estimate within 2% where only the encoded size is known). */
  size: number;
  disposition: 'attachment' | 'inline' | null;
  contentId: string | null;
}

export interface Message extends MessageSummary {
  headers: Header[];
  text: string | null;
  html: string | null;
  textTruncated: boolean;
  htmlTruncated: boolean;
  /** Set when a body's charset was unknown or its bytes invalid and it was decoded best-effort. */
  encodingProblem: boolean;
  attachments: AttachmentMeta[];
  /**
   * Set when the message nests deeper than the gateway describes: the text,
   * HTML and attachments are those found above that depth.
   */
  structureTruncated?: boolean;
}

export interface FilterInstant {
  at: Date;
  /** `day` when the client gave a date only. */
  precision: 'day' | 'second';
}

/** List filters; all combine with AND. Values are already validated (no CR/LF/NUL, length-capped). */
export interface MessageFilter {
  seen?: boolean;
  flagged?: boolean;
  answered?: boolean;
  draft?: boolean;
  from?: string;
  to?: string;
  cc?: string;
  subject?: string;
  text?: string;
  body?: string;
  since?: FilterInstant;
  before?: FilterInstant;
  larger?: number;
  smaller?: number;
  headers?: Header[];
}

export type FilterName = Exclude<keyof MessageFilter, 'headers'> | 'header';

export const FILTER_NAMES: readonly FilterName[] = [
  'seen',
  'flagged',
  'answered',
  'draft',
  'from',
  'to',
  'cc',
  'subject',
  'text',
  'body',
  'since',
  'before',
  'larger',
  'smaller',
  'header',
];

/**
 * Orders a list can be asked for. `arrival` is the order messages were added
 * to the mailbox (UID order; the default, newest first), `date` the Date
 * header (INTERNALDATE where it has none), `from` the sender, `subject` the
 * base subject (RFC 5256: without `Re:`/`Fwd:`), `size` RFC822.SIZE.
 */
export const SORT_KEYS = ['arrival', 'date', 'from', 'subject', 'size'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortOrder = 'asc' | 'desc';

export interface ListSort {
  key: SortKey;
  order: SortOrder;
}

/** The order a list has when none is asked for: newest arrival first. */
export const DEFAULT_SORT: ListSort = { key: 'arrival', order: 'desc' };

/** Whether a sort is the default order (`arrival`, newest first), which every store has. */
export function isDefaultSort(sort: ListSort | undefined): boolean {
  return sort === undefined || (sort.key === DEFAULT_SORT.key && sort.order === DEFAULT_SORT.order);
}

export interface ListQuery {
  limit: number;
  /** Opaque cursor from a previous page of the same mailbox, filter and sort. */
  cursor?: string;
  filter: MessageFilter;
  /** Absent: the default order (DEFAULT_SORT). */
  sort?: ListSort;
  /**
   * The summary keys the caller reads (`?fields=`); absent, all of them.
   * What no listed key needs is not fetched, and its key comes back empty.
   */
  fields?: ReadonlySet<string>;
}

export interface MessagePage {
  messages: MessageSummary[];
  nextCursor: string | null;
  /** Messages matching the filter, where known. */
  total: number | null;
  /** True when a bounded scan stopped before the end of the mailbox (POP3 filters). */
  partial?: boolean;
}

export type BodySelection = 'text' | 'html' | 'both' | 'none';

export interface GetMessageOptions {
  /**
   * The bodies read. `text` reads the text/plain parts, and the HTML body
   * instead when there is none (an HTML-only message answers `text` null
   * and its `html`, from which a text can be made).
   */
  body: BodySelection;
  /** Cut each returned body at this many bytes of its source; null for no cut. */
  maxBodyBytes: number | null;
  /** Set `\Seen` as part of the read (needs a write token; checked by the HTTP layer). */
  markSeen: boolean;
  /**
   * The message's keys the caller reads (`?fields=`); absent, all of them.
   * What no listed key needs is not fetched, and its key comes back empty
   * (null, false, 0, []). The bodies are chosen by `body` alone.
   */
  fields?: ReadonlySet<string>;
}

/** A download handed from a store to the HTTP layer, which closes the store when `body` ends. */
export interface Download {
  contentType: string;
  filename: string | null;
  disposition: 'attachment' | 'inline';
  /**
   * Exact byte length when known before streaming, else null (never an
   * estimate). Sent as Content-Length; a body that then differs aborts the response.
   */
  size: number | null;
  body: AsyncIterable<Uint8Array>;
}

export interface StoreCapabilities {
  mailboxes: boolean;
  flags: boolean;
  move: boolean;
  copy: boolean;
  append: boolean;
  changes: boolean;
  wait: boolean;
  bulk: boolean;
  filters: FilterName[];
  /** The list's `sort` keys this account accepts (`arrival` always). */
  sort: SortKey[];
  /** Whether the threads routes are served. */
  threads: boolean;
}

export interface ThreadQuery {
  limit: number;
  /** Opaque cursor from a previous page of the same mailbox's threads. */
  cursor?: string;
}

/** One conversation: its messages' ids oldest first, and the summary of its newest. */
export interface MailThread {
  /** Opaque; stays the same while the thread's first message exists. */
  threadId: string;
  messageIds: string[];
  count: number;
  latest: MessageSummary;
}

export interface ThreadPage {
  /** Newest thread first: the thread whose latest message arrived last. */
  threads: MailThread[];
  nextCursor: string | null;
  /** True when threads were built from a bounded window of the newest messages only. */
  partial?: boolean;
}

export interface ThreadDetail {
  threadId: string;
  /** Oldest first. */
  messages: MessageSummary[];
  /** True when threads were built from a bounded window, or the thread holds more than one answer carries. */
  partial?: boolean;
}

export interface ServerInfo {
  name: string | null;
  capabilities: string[];
}

export interface ProbeResult {
  server: ServerInfo;
  /** Capabilities made exact for this server. */
  capabilities: StoreCapabilities;
}
