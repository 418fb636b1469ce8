import type { Account } from '../../../lib/credentials/account.js';
import type {
  Download,
  Mailbox,
  Message,
  MessageSummary,
  StoreCapabilities,
} from '../../../lib/mail/types.js';
import { FILTER_NAMES } from '../../../lib/mail/types.js';

/** Test builders for the in-memory stores: each returns fresh objects, overridable field by field. */

export function buildAccount(overrides: Partial<Account> = {}): Account {
  return {
    id: 'alpha',
    protocol: 'imap',
    host: '127.0.0.1',
    port: 993,
    tls: 'implicit',
    user: 'alice',
    password: 'hunter2-stored-password',
    ...overrides,
  } as Account;
}

export function buildCapabilities(overrides: Partial<StoreCapabilities> = {}): StoreCapabilities {
  return {
    mailboxes: true,
    flags: true,
    move: true,
    copy: true,
    append: true,
    changes: true,
    wait: true,
    bulk: true,
    filters: [...FILTER_NAMES],
    sort: ['arrival', 'date', 'from', 'subject', 'size'],
    threads: true,
    ...overrides,
  };
}

export function buildMailbox(overrides: Partial<Mailbox> = {}): Mailbox {
  return {
    path: 'INBOX',
    name: 'INBOX',
    parent: null,
    delimiter: '/',
    role: 'inbox',
    specialUse: null,
    subscribed: true,
    ...overrides,
  };
}

export function buildSummary(overrides: Partial<MessageSummary> = {}): MessageSummary {
  return {
    id: 'i-msg-1',
    mailbox: 'INBOX',
    uid: 1,
    flags: [],
    seen: false,
    flagged: false,
    answered: false,
    draft: false,
    receivedAt: '2026-01-02T03:04:05.000Z',
    date: '2026-01-02T03:04:00.000Z',
    size: 1234,
    subject: 'Hello',
    from: { name: 'Bob', address: 'bob@example.test' },
    to: [{ name: null, address: 'alice@example.test' }],
    cc: [],
    bcc: [],
    replyTo: [],
    messageId: 'abc@example.test',
    inReplyTo: null,
    references: [],
    hasAttachments: false,
    preview: null,
    ...overrides,
  };
}

export function buildMessage(overrides: Partial<Message> = {}): Message {
  return {
    ...buildSummary(),
    headers: [{ name: 'Subject', value: 'Hello' }],
    text: 'Hi Alice',
    html: null,
    textTruncated: false,
    htmlTruncated: false,
    encodingProblem: false,
    attachments: [],
    ...overrides,
  };
}

export function buildDownload(overrides: Partial<Download> & { chunks?: Uint8Array[] } = {}): Download {
  const { chunks = [new TextEncoder().encode('Subject: Hello\r\n\r\nHi\r\n')], ...rest } = overrides;
  return {
    contentType: 'message/rfc822',
    filename: null,
    disposition: 'attachment',
    size: chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0),
    body: (async function* () {
      yield* chunks;
    })(),
    ...rest,
  };
}

export interface MemoryData {
  mailboxes: Mailbox[];
  messages: Message[];
  /** Downloads by `messageId` (raw) or `messageId/attachmentId`; each is built fresh per call. */
  downloads: Record<string, () => Download>;
}

/**
 * A small account for write tests: INBOX with three messages, Archive and
 * Trash by role, and a Projects tree; fresh objects on every call.
 */
export function buildMailData(): MemoryData {
  return {
    mailboxes: [
      buildMailbox(),
      buildMailbox({ path: 'Archive', name: 'Archive', role: 'archive', specialUse: '\\Archive' }),
      buildMailbox({ path: 'Trash', name: 'Trash', role: 'trash', specialUse: '\\Trash' }),
      buildMailbox({ path: 'Projects', name: 'Projects', role: null }),
      buildMailbox({ path: 'Projects/2026', name: '2026', parent: 'Projects', role: null }),
    ],
    messages: [
      buildMessage({ id: 'i-1', uid: 1, subject: 'Invoice', flags: [], size: 1000 }),
      buildMessage({ id: 'i-2', uid: 2, subject: 'Holiday', flags: ['\\Seen'], seen: true, size: 2000 }),
      buildMessage({ id: 'i-3', uid: 3, subject: 'Invoice again', flags: ['$Forwarded'], size: 3000 }),
      buildMessage({ id: 't-1', uid: 1, mailbox: 'Trash', subject: 'Old' }),
    ],
    downloads: {},
  };
}
