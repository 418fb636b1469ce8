import { ImapFlow } from 'imapflow';
import type { Account, AccountDocument } from '../../../lib/credentials/account.js';
import { ImapMailStore } from '../../../lib/imap/imap-mail-store.js';
import { silentLogger } from '../../../lib/mail/logger.js';
import type { MailboxRef, MessageSummary } from '../../../lib/mail/types.js';
import type { ChangeSet } from '../../../lib/mail/writes.js';
import type { FaultProxy } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';

export const INBOX: MailboxRef = { kind: 'path', path: 'INBOX' };

export function pathRef(path: string): MailboxRef {
  return { kind: 'path', path };
}

/** A store as one request would have it; `via` routes it through a fault proxy on the plaintext port. */
export function openStore(
  user: MailUser,
  options: { via?: FaultProxy; signal?: AbortSignal } = {},
): ImapMailStore {
  const overrides: Partial<AccountDocument> = options.via
    ? { port: options.via.port, tls: 'none', allowPlaintext: true }
    : {};
  return new ImapMailStore({ id: 'sync-test', ...user.account(overrides) } as Account, {
    signal: options.signal ?? new AbortController().signal,
    logger: silentLogger,
  });
}

export async function withStore<T>(
  user: MailUser,
  work: (store: ImapMailStore) => Promise<T>,
  options: { via?: FaultProxy } = {},
): Promise<T> {
  const store = openStore(user, options);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Another mail client of the same user, making the changes a sync must see. */
export async function connectOther(user: MailUser): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: user.server.host,
    port: user.server.ports.imaps,
    secure: true,
    tls: { ca: user.server.caCert },
    auth: { user: user.user, pass: user.password },
    logger: false,
    disableAutoIdle: true,
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export function buildMessage(subject: string): string {
  return [
    'From: Sender <sender@example.com>',
    'To: Recipient <rcpt@example.org>',
    `Subject: ${subject}`,
    'Date: Tue, 03 Nov 2026 10:00:00 +0000',
    '',
    `Body of ${subject}.`,
    '',
  ].join('\r\n');
}

/** The whole mailbox, as a client would hold it after a full listing. */
export async function listAll(store: ImapMailStore, mailbox: MailboxRef = INBOX): Promise<MessageSummary[]> {
  const page = await store.listMessages(mailbox, { limit: 1000, filter: {} });
  return page.messages;
}

/** What a client does with a ChangeSet: drop the removed, set flags on the updated, add the created. */
export function applyChanges(list: readonly MessageSummary[], changes: ChangeSet): MessageSummary[] {
  const byId = new Map(list.map((message) => [message.id, message]));
  for (const id of changes.removed) byId.delete(id);
  for (const { id, flags } of changes.updated) {
    const known = byId.get(id);
    if (!known) throw new Error(`updated ${id}, which the client never had`);
    byId.set(id, { ...known, flags });
  }
  for (const summary of changes.created) byId.set(summary.id, summary);
  return [...byId.values()];
}

/**
 * Id and flags, sorted by id: what two views of a mailbox must agree on.
 * `\Recent` is left out: it is the state of whichever session saw a message first.
 */
export function comparable(list: readonly MessageSummary[]): Array<{ id: string; flags: string[] }> {
  return list
    .map((message) => ({ id: message.id, flags: message.flags.filter((f) => f !== '\\Recent').sort() }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export function changeCount(changes: ChangeSet): number {
  return changes.created.length + changes.updated.length + changes.removed.length;
}
