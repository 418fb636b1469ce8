import { InvalidRequestError, StateExpiredError, UpstreamTimeoutError } from '../../../lib/mail/errors.js';
import type { Message, MessageSummary } from '../../../lib/mail/types.js';
import type { ChangeSet } from '../../../lib/mail/writes.js';
import type { MemoryData } from './builders.js';

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
  /** The next UID of each mailbox that has had a message placed in it: UIDs only grow, as IMAP's. */
  uidNext: Map<string, number>;
  listeners: Set<(mailbox: string) => void>;
}

const states = new WeakMap<MemoryData, SyncState>();

function syncOf(data: MemoryData): SyncState {
  let state = states.get(data);
  if (!state) {
    state = { modseq: 1, journal: [], serial: 0, uidNext: new Map(), listeners: new Set() };
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

/**
 * A UID for a new message of `mailbox`: above every UID it holds or has
 * handed out, so the newest message always has the highest UID (RFC 9051 §2.3.1.1).
 */
export function nextUid(data: MemoryData, mailbox: string): number {
  const { uidNext } = syncOf(data);
  const held = data.messages.filter((m) => m.mailbox === mailbox).map((m) => m.uid ?? 0);
  const uid = Math.max(uidNext.get(mailbox) ?? 1, ...held.map((u) => u + 1));
  uidNext.set(mailbox, uid + 1);
  return uid;
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

/** A message without its content: what a listing answers. */
export function summaryOf(message: Message): MessageSummary {
  const { headers, text, html, textTruncated, htmlTruncated, encodingProblem, attachments, ...summary } =
    message;
  return summary;
}

/**
 * Like IDLE: true at the first change to `mailbox`, false after the timeout;
 * rejects with UpstreamTimeoutError when `signal` aborts first.
 */
export function waitForChange(
  data: MemoryData,
  mailbox: string,
  signal: AbortSignal,
  timeoutSeconds: number,
): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const finish = (outcome: boolean | Error) => {
      clearTimeout(timer);
      stopListening();
      signal.removeEventListener('abort', onAbort);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onAbort = () => finish(new UpstreamTimeoutError());
    const timer = setTimeout(() => finish(false), timeoutSeconds * 1000);
    const stopListening = listenForChanges(data, (changed) => {
      if (changed === mailbox) finish(true);
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
