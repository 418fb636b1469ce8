import {
  InvalidRequestError,
  MailboxExistsError,
  MailboxNotFoundError,
  StateExpiredError,
} from '../../lib/mail/errors.js';
import type { Mailbox, Message, MessageFilter, MessageSummary } from '../../lib/mail/types.js';
import type { AppendInput, ChangeSet, FlagChange } from '../../lib/mail/writes.js';
import { parseHeaderBlock } from '../../lib/mime/headers.js';
import type { MemoryData } from './memory-store.js';

/**
 * The state the in-memory store keeps beside its data to behave like a
 * CONDSTORE/QRESYNC server: a modseq bumped by every change and a journal of
 * what changed, so `changes` and `wait` answer exactly, and tests can assert
 * the state afterwards through `data` alone.
 */

type ChangeKind = 'created' | 'updated' | 'removed';

interface JournalEntry {
  modseq: number;
  mailbox: string;
  id: string;
  kind: ChangeKind;
}

interface SyncState {
  modseq: number;
  journal: JournalEntry[];
  serial: number;
  listeners: Set<(mailbox: string) => void>;
}

const states = new WeakMap<MemoryData, SyncState>();

function syncOf(data: MemoryData): SyncState {
  let state = states.get(data);
  if (!state) {
    state = { modseq: 1, journal: [], serial: 0, listeners: new Set() };
    states.set(data, state);
  }
  return state;
}

export function currentState(data: MemoryData): string {
  return `s${syncOf(data).modseq}`;
}

/** Records a change as a server would: a new modseq, then everyone waiting on that mailbox hears of it. */
export function recordChange(data: MemoryData, mailbox: string, id: string, kind: ChangeKind): void {
  const sync = syncOf(data);
  sync.modseq += 1;
  sync.journal.push({ modseq: sync.modseq, mailbox, id, kind });
  for (const listener of sync.listeners) listener(mailbox);
}

/** Delivers a message as another session would (journaled, so `changes` and `wait` see it). */
export function deliver(data: MemoryData, message: Message): void {
  data.messages.push(message);
  recordChange(data, message.mailbox, message.id, 'created');
}

export function newMessageId(data: MemoryData): string {
  syncOf(data).serial += 1;
  return `m-new-${syncOf(data).serial}`;
}

export function listenForChanges(data: MemoryData, listener: (mailbox: string) => void): () => void {
  const { listeners } = syncOf(data);
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function parseState(data: MemoryData, state: string): number {
  const match = /^s([0-9]{1,15})$/.exec(state);
  if (!match) throw new InvalidRequestError('Not a state this mailbox issued.');
  const modseq = Number(match[1]);
  if (modseq > syncOf(data).modseq) throw new StateExpiredError();
  return modseq;
}

export function changedSince(data: MemoryData, mailbox: string, since: string): boolean {
  const modseq = parseState(data, since);
  return syncOf(data).journal.some((entry) => entry.mailbox === mailbox && entry.modseq > modseq);
}

/** JMAP-style delta: each id once, by its latest change, oldest first; paged by `maxChanges`. */
export function computeChanges(
  data: MemoryData,
  mailbox: string,
  since: string,
  maxChanges: number,
): ChangeSet {
  const from = parseState(data, since);
  const latest = new Map<string, JournalEntry>();
  const createdAfter = new Set<string>();
  for (const entry of syncOf(data).journal) {
    if (entry.mailbox !== mailbox || entry.modseq <= from) continue;
    if (entry.kind === 'created') createdAfter.add(entry.id);
    latest.delete(entry.id);
    latest.set(entry.id, entry);
  }
  const entries = [...latest.values()].filter(
    (entry) => !(entry.kind === 'removed' && createdAfter.has(entry.id)),
  );
  const page = entries.slice(0, maxChanges);
  const hasMore = entries.length > maxChanges;
  const result: ChangeSet = {
    state: hasMore ? `s${page.at(-1)!.modseq}` : currentState(data),
    created: [],
    updated: [],
    removed: [],
    removedComplete: true,
    hasMore,
  };
  for (const entry of page) {
    const message = data.messages.find((m) => m.id === entry.id && m.mailbox === mailbox);
    if (!message) result.removed.push(entry.id);
    else if (createdAfter.has(entry.id)) result.created.push(summaryOf(message));
    else result.updated.push({ id: message.id, flags: [...message.flags] });
  }
  return result;
}

function summaryOf(message: Message): MessageSummary {
  const { headers, text, html, textTruncated, htmlTruncated, encodingProblem, attachments, ...summary } =
    message;
  return summary;
}

/** Flags with the booleans the summary derives from them. */
export function setFlags(message: Message, flags: string[]): void {
  message.flags = [...new Set(flags)];
  message.seen = message.flags.includes('\\Seen');
  message.flagged = message.flags.includes('\\Flagged');
  message.answered = message.flags.includes('\\Answered');
  message.draft = message.flags.includes('\\Draft');
}

export function applyFlagChange(current: readonly string[], change: FlagChange): string[] {
  if ('set' in change) return [...change.set];
  const removed = new Set(change.remove.map((flag) => flag.toLowerCase()));
  const kept = current.filter((flag) => !removed.has(flag.toLowerCase()));
  const present = new Set(kept.map((flag) => flag.toLowerCase()));
  return [...kept, ...change.add.filter((flag) => !present.has(flag.toLowerCase()))];
}

/** A copy of `message` in `mailbox` under a new id, its raw source carried along. */
export function placeCopy(data: MemoryData, message: Message, mailbox: Mailbox): Message {
  const id = newMessageId(data);
  const uid = data.messages.filter((m) => m.mailbox === mailbox.path).length + 1000 + syncOf(data).serial;
  const copy: Message = structuredClone({ ...message, id, mailbox: mailbox.path, uid });
  data.messages.push(copy);
  const raw = data.downloads[message.id];
  if (raw) data.downloads[id] = raw;
  recordChange(data, mailbox.path, id, 'created');
  return copy;
}

export function expunge(data: MemoryData, message: Message): void {
  data.messages.splice(data.messages.indexOf(message), 1);
  recordChange(data, message.mailbox, message.id, 'removed');
}

/** A message built from appended bytes: enough of a summary for tests to find it by subject. */
export function messageFromRaw(data: MemoryData, mailbox: Mailbox, input: AppendInput): Message {
  const { headers } = parseHeaderBlock(input.raw);
  const subject = headers.find((field) => field.key === 'subject')?.value ?? null;
  const id = newMessageId(data);
  const message: Message = {
    id,
    mailbox: mailbox.path,
    uid: 2000 + syncOf(data).serial,
    flags: [],
    seen: false,
    flagged: false,
    answered: false,
    draft: false,
    receivedAt: (input.date ?? new Date()).toISOString(),
    date: null,
    size: input.raw.byteLength,
    subject,
    from: null,
    to: [],
    cc: [],
    bcc: [],
    replyTo: [],
    messageId: null,
    inReplyTo: null,
    references: [],
    hasAttachments: false,
    headers: headers.map((field) => ({ name: field.name, value: field.value })),
    text: null,
    html: null,
    textTruncated: false,
    htmlTruncated: false,
    encodingProblem: false,
    attachments: [],
  };
  setFlags(message, input.flags);
  return message;
}

function isInboxPath(path: string): boolean {
  return path.toUpperCase() === 'INBOX';
}

export function createMailboxIn(data: MemoryData, path: string): Mailbox {
  if (data.mailboxes.some((m) => m.path === path || (isInboxPath(path) && isInboxPath(m.path)))) {
    throw new MailboxExistsError();
  }
  const cut = path.lastIndexOf('/');
  const mailbox: Mailbox = {
    path,
    name: cut === -1 ? path : path.slice(cut + 1),
    parent: cut === -1 ? null : path.slice(0, cut),
    delimiter: '/',
    role: null,
    specialUse: null,
    subscribed: true,
  };
  data.mailboxes.push(mailbox);
  return mailbox;
}

/** Renames a mailbox and its children, and moves their messages along (RFC 9051 §6.3.6). */
export function renameMailboxIn(data: MemoryData, mailbox: Mailbox, newPath: string): Mailbox {
  if (isInboxPath(mailbox.path)) throw new InvalidRequestError('INBOX cannot be renamed.');
  if (data.mailboxes.some((m) => m.path === newPath || (isInboxPath(newPath) && isInboxPath(m.path)))) {
    throw new MailboxExistsError();
  }
  const oldPath = mailbox.path;
  const moved = (path: string) =>
    path === oldPath ? newPath : path.startsWith(`${oldPath}/`) ? newPath + path.slice(oldPath.length) : path;
  for (const m of data.mailboxes) {
    const path = moved(m.path);
    if (path === m.path) continue;
    const cut = path.lastIndexOf('/');
    Object.assign(m, {
      path,
      name: cut === -1 ? path : path.slice(cut + 1),
      parent: cut === -1 ? null : path.slice(0, cut),
    });
  }
  for (const message of data.messages) message.mailbox = moved(message.mailbox);
  return mailbox;
}

export function deleteMailboxIn(data: MemoryData, mailbox: Mailbox): void {
  if (isInboxPath(mailbox.path)) throw new InvalidRequestError('INBOX cannot be deleted.');
  if (!data.mailboxes.includes(mailbox)) throw new MailboxNotFoundError();
  data.mailboxes.splice(data.mailboxes.indexOf(mailbox), 1);
  data.messages = data.messages.filter((message) => message.mailbox !== mailbox.path);
}

/** The list filters a bulk `filter` can use, evaluated on the summary as a server's SEARCH would. */
export function matchesFilter(message: Message, filter: MessageFilter): boolean {
  const contains = (value: string | null | undefined, needle: string | undefined) =>
    needle === undefined || (value ?? '').toLowerCase().includes(needle.toLowerCase());
  const addresses = (list: MessageSummary['to']) =>
    list.map((a) => `${a.name ?? ''} ${a.address ?? ''}`).join(' ');
  const received = message.receivedAt === null ? null : Date.parse(message.receivedAt);
  return (
    (filter.seen === undefined || message.seen === filter.seen) &&
    (filter.flagged === undefined || message.flagged === filter.flagged) &&
    (filter.answered === undefined || message.answered === filter.answered) &&
    (filter.draft === undefined || message.draft === filter.draft) &&
    contains(message.subject, filter.subject) &&
    contains(message.from ? addresses([message.from]) : null, filter.from) &&
    contains(addresses(message.to), filter.to) &&
    contains(addresses(message.cc), filter.cc) &&
    contains(`${message.subject ?? ''} ${message.text ?? ''}`, filter.text) &&
    contains(message.text, filter.body) &&
    (filter.larger === undefined || message.size > filter.larger) &&
    (filter.smaller === undefined || message.size < filter.smaller) &&
    (filter.since === undefined || (received !== null && received >= filter.since.at.getTime())) &&
    (filter.before === undefined || (received !== null && received < filter.before.at.getTime())) &&
    (filter.headers ?? []).every((want) =>
      message.headers.some(
        (h) => h.name.toLowerCase() === want.name.toLowerCase() && contains(h.value, want.value),
      ),
    )
  );
}
