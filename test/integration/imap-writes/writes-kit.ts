import { connect } from 'node:net';
import type { ImapMailStore } from '../../../lib/imap/imap-mail-store.js';
import type { MailboxRef } from '../../../lib/mail/types.js';
import type { FaultProxy } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { buildMessage, openStore } from '../imap/imap-test-kit.js';

export const INBOX: MailboxRef = { kind: 'path', path: 'INBOX' };

export function path(mailbox: string): MailboxRef {
  return { kind: 'path', path: mailbox };
}

/** One message as the server holds it, read with doveadm (not through the gateway). */
export interface ServerMessage {
  uid: number;
  flags: string[];
  subject: string;
}

/** Every message of a mailbox as Dovecot reports it; [] for a missing mailbox. */
export async function serverMessages(user: MailUser, mailbox: string): Promise<ServerMessage[]> {
  const out = await user
    .doveadm(['-f', 'tab', 'fetch', '-u', user.user, 'uid flags hdr.subject', 'mailbox', mailbox, 'all'])
    .catch(() => '');
  const lines = out.split('\n').filter((line) => line.trim() !== '');
  return lines.slice(1).map((line) => {
    const [uid, flags, subject] = line.split('\t');
    return {
      uid: Number(uid),
      flags: (flags ?? '').split(' ').filter((flag) => flag !== '' && flag !== '\\Recent'),
      subject: (subject ?? '').trim(),
    };
  });
}

export async function subjectsIn(user: MailUser, mailbox: string): Promise<string[]> {
  return (await serverMessages(user, mailbox)).map((m) => m.subject).sort();
}

/** Mailbox names as Dovecot lists them (decoded from modified UTF-7 by doveadm). */
export async function serverMailboxes(user: MailUser): Promise<string[]> {
  return (await user.doveadm(['mailbox', 'list', '-u', user.user])).split('\n').filter((l) => l !== '');
}

/** A store that talks plaintext IMAP, through `proxy` when given, so the proxy sees every command. */
export function plainStore(user: MailUser, proxy?: FaultProxy): ImapMailStore {
  return openStore(user, {
    account: { port: proxy ? proxy.port : user.server.ports.imap, tls: 'none', allowPlaintext: true },
  });
}

export async function withPlainStore<T>(
  user: MailUser,
  proxy: FaultProxy | undefined,
  work: (store: ImapMailStore) => Promise<T>,
): Promise<T> {
  const store = plainStore(user, proxy);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** The id the gateway gives the message with `subject` in `mailbox`. */
export async function idOf(user: MailUser, mailbox: string, subject: string): Promise<string> {
  return withPlainStore(user, undefined, async (store) => {
    const page = await store.listMessages(path(mailbox), { limit: 200, filter: { subject } });
    const found = page.messages.filter((m) => m.subject === subject);
    if (found.length !== 1) throw new Error(`expected one "${subject}" in ${mailbox}, got ${found.length}`);
    return found[0]!.id;
  });
}

/** Appends one message per subject over one session. */
export async function seedSubjects(
  user: MailUser,
  mailbox: string,
  subjects: string[],
  flags: string[] = [],
): Promise<number[]> {
  return user.seed(
    mailbox,
    subjects.map((subject) => ({ raw: buildMessage({ subject }), flags })),
  );
}

/**
 * Loads many small messages fast with one MULTIAPPEND (RFC 3502) and
 * LITERAL+ (RFC 7888) over a plaintext session: one command, no round
 * trip per message. `count` messages with subjects `${prefix}1…`.
 */
export async function multiAppend(
  user: MailUser,
  mailbox: string,
  prefix: string,
  count: number,
): Promise<void> {
  const socket = connect(user.server.ports.imap, user.server.host);
  let received = '';
  const waitFor = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (/^A\d (NO (?!\[ALREADYEXISTS\])|BAD)/m.test(received)) reject(new Error(received.slice(-300)));
        else if (pattern.test(received)) resolve();
        else socket.once('data', check);
      };
      check();
    });
  socket.on('data', (chunk) => {
    received += chunk.toString('latin1');
    if (received.length > 100_000) received = received.slice(-10_000);
  });
  try {
    await waitFor(/^\* OK/m);
    socket.write(`A1 LOGIN "${user.user}" "${user.password}"\r\n`);
    await waitFor(/^A1 OK/m);
    socket.write(`A2 CREATE ${mailbox}\r\n`);
    await waitFor(/^A2 (OK|NO \[ALREADYEXISTS\])/m);
    received = '';
    const parts = ['A3 APPEND ', mailbox];
    for (let i = 1; i <= count; i++) {
      const raw = buildMessage({ subject: `${prefix}${i}` });
      parts.push(` {${Buffer.byteLength(raw)}+}\r\n${raw}`);
    }
    parts.push('\r\n');
    socket.write(parts.join(''));
    await waitFor(/^A3 OK/m);
    socket.write('A4 LOGOUT\r\n');
  } finally {
    socket.destroy();
  }
}

/** Deletes and recreates a mailbox behind the gateway's back: a new UIDVALIDITY, same path. */
export async function recreateMailbox(user: MailUser, mailbox: string, subjects: string[]): Promise<void> {
  await user.doveadm(['mailbox', 'delete', '-u', user.user, mailbox]);
  await user.doveadm(['mailbox', 'create', '-u', user.user, mailbox]);
  await seedSubjects(user, mailbox, subjects);
}
