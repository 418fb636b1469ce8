import type { Mailbox, Message } from '../../../lib/mail/types.js';
import type { AppendInput, FlagChange } from '../../../lib/mail/writes.js';
import { parseHeaderBlock } from '../../../lib/mime/headers.js';
import type { MemoryData } from './builders.js';
import { newMessageId, recordChange, serialOf } from './sync-journal.js';

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
  const uid = data.messages.filter((m) => m.mailbox === mailbox.path).length + 1000 + serialOf(data);
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
    uid: 2000 + serialOf(data),
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
