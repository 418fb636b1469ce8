import type { Mailbox, Message } from '../../../lib/mail/types.js';
import type { AppendInput, FlagChange } from '../../../lib/mail/writes.js';
import { buildDownload, type MemoryData } from './builders.js';
import { parseRawMessage } from './raw-message.js';
import { newMessageId, nextUid, recordChange } from './sync-journal.js';

/** Edits to single messages in the in-memory data, each journaled as a server would. */

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
  const uid = nextUid(data, mailbox.path);
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

/** A message built from appended bytes, its content parsed from them as an adapter would. */
export function messageFromRaw(data: MemoryData, mailbox: Mailbox, input: AppendInput): Message {
  const message: Message = {
    ...parseRawMessage(input.raw),
    id: newMessageId(data),
    mailbox: mailbox.path,
    uid: nextUid(data, mailbox.path),
    flags: [],
    seen: false,
    flagged: false,
    answered: false,
    draft: false,
    receivedAt: (input.date ?? new Date()).toISOString(),
  };
  setFlags(message, input.flags);
  return message;
}

/** Stores appended bytes as a new message, its source kept for openRaw and openAttachment (journaled). */
export function addRawMessage(data: MemoryData, mailbox: Mailbox, input: AppendInput): Message {
  const message = messageFromRaw(data, mailbox, input);
  data.messages.push(message);
  const raw = new Uint8Array(input.raw);
  data.downloads[message.id] = () => buildDownload({ chunks: [raw] });
  recordChange(data, mailbox.path, message.id, 'created');
  return message;
}
