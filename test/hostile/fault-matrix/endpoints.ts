/**
 * Every route of the OpenAPI document that talks to a mail server (the
 * deprecated mailbox-nested message aliases share their handlers with the
 * account-level routes and are left out), each with the command it hinges
 * on: a fault that needs a session is served at that command, after the
 * commands before it were answered by the real server.
 */

export type Protocol = 'imap' | 'pop3';

/** What a cell's request needs to name real things on the server. */
export interface Seeded {
  /** A message with an attachment (part 2), by protocol. */
  id: Record<Protocol, string>;
  /** A `state` of INBOX (IMAP). */
  state: string;
}

export interface Endpoint {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to `/v1/accounts/{account}`. */
  path(seeded: Seeded, protocol: Protocol): string;
  body?: { contentType: string; text: string };
  /** A streamed download: its size can lie. */
  download?: boolean;
  /** The command (first line) each protocol's fault is served at; absent: the protocol has no such route. */
  trigger: Partial<Record<Protocol, RegExp>>;
  /** The request's deadline when the route sets its own (wait lengthens it to its timeout + 5 s). */
  deadlineMs?: number;
}

const json = (value: unknown) => ({ contentType: 'application/json', text: JSON.stringify(value) });
const imapVerb = (verb: string) => new RegExp(`^\\S+ ${verb}\\b`, 'i');
const pop3Verb = (verb: string) => new RegExp(`^${verb}\\b`, 'i');
const msg = (seeded: Seeded, protocol: Protocol) => `/messages/${seeded.id[protocol]}`;

const APPENDED =
  'From: a@example.com\r\nTo: b@example.com\r\nSubject: appended\r\nMessage-ID: <appended@example.com>\r\n\r\nhello\r\n';

/** The wait route's timeout in the matrix, seconds; its deadline is that plus WAIT_MARGIN_MS (5 s). */
export const WAIT_SECONDS = 1;

export const ENDPOINTS: Endpoint[] = [
  {
    name: 'account probe',
    method: 'GET',
    path: () => '?probe=true',
    // A probe is a login: IMAP answers the fault to it, POP3 to CAPA before it (after it nothing is asked).
    trigger: { imap: imapVerb('(LOGIN|AUTHENTICATE)'), pop3: pop3Verb('CAPA') },
  },
  {
    name: 'list mailboxes',
    method: 'GET',
    path: () => '/mailboxes?counts=true',
    trigger: { imap: imapVerb('LIST'), pop3: pop3Verb('STAT') },
  },
  {
    name: 'create mailbox',
    method: 'POST',
    path: () => '/mailboxes',
    body: json({ path: 'Matrix-new' }),
    trigger: { imap: imapVerb('CREATE') },
  },
  {
    name: 'rename mailbox',
    method: 'PATCH',
    path: () => '/mailboxes/Matrix-old',
    body: json({ path: 'Matrix-renamed' }),
    trigger: { imap: imapVerb('RENAME') },
  },
  {
    name: 'delete mailbox',
    method: 'DELETE',
    path: () => '/mailboxes/Matrix-old',
    trigger: { imap: imapVerb('DELETE') },
  },
  {
    name: 'mailbox status',
    method: 'GET',
    path: () => '/mailboxes/INBOX',
    // LIST "" "INBOX" RETURN (STATUS (…)): one command.
    trigger: { imap: imapVerb('LIST'), pop3: pop3Verb('STAT') },
  },
  {
    name: 'list messages',
    method: 'GET',
    path: () => '/mailboxes/INBOX/messages?limit=5',
    // A first page is fetched by sequence numbers (FETCH 1:n), later ones by UID.
    trigger: { imap: imapVerb('(UID )?FETCH'), pop3: pop3Verb('TOP') },
  },
  {
    name: 'append',
    method: 'POST',
    path: () => '/mailboxes/INBOX/messages',
    body: { contentType: 'message/rfc822', text: APPENDED },
    trigger: { imap: imapVerb('APPEND') },
  },
  {
    name: 'get message',
    method: 'GET',
    path: msg,
    trigger: { imap: imapVerb('UID FETCH'), pop3: pop3Verb('RETR') },
  },
  {
    name: 'raw download',
    method: 'GET',
    path: (s, p) => `${msg(s, p)}/raw`,
    download: true,
    trigger: { imap: imapVerb('UID FETCH'), pop3: pop3Verb('RETR') },
  },
  {
    name: 'attachment download',
    method: 'GET',
    path: (s, p) => `${msg(s, p)}/attachments/2`,
    download: true,
    trigger: { imap: imapVerb('UID FETCH'), pop3: pop3Verb('RETR') },
  },
  {
    name: 'set flags',
    method: 'PATCH',
    path: msg,
    body: json({ flags: { add: ['\\Flagged'] } }),
    trigger: { imap: imapVerb('UID STORE') },
  },
  {
    name: 'move',
    method: 'POST',
    path: (s, p) => `${msg(s, p)}/move`,
    body: json({ to: 'Archive' }),
    trigger: { imap: imapVerb('UID MOVE') },
  },
  {
    name: 'copy',
    method: 'POST',
    path: (s, p) => `${msg(s, p)}/copy`,
    body: json({ to: 'Archive' }),
    trigger: { imap: imapVerb('UID COPY') },
  },
  {
    name: 'delete message',
    method: 'DELETE',
    path: (s, p) => `${msg(s, p)}?permanent=true`,
    trigger: { imap: imapVerb('UID (STORE|EXPUNGE)'), pop3: pop3Verb('DELE') },
  },
  {
    name: 'bulk',
    method: 'POST',
    path: () => '/mailboxes/INBOX/messages/bulk',
    body: json({ filter: { subject: 'matrix' }, action: 'flag', flags: { add: ['\\Flagged'] } }),
    trigger: { imap: imapVerb('UID STORE') },
  },
  {
    name: 'changes',
    method: 'GET',
    path: (s) => `/mailboxes/INBOX/changes?since=${encodeURIComponent(s.state)}`,
    // ENABLE QRESYNC, then EXAMINE INBOX (QRESYNC (…)): the changes come in answer to the EXAMINE.
    trigger: { imap: imapVerb('(EXAMINE|SELECT)') },
  },
  {
    name: 'wait',
    method: 'GET',
    path: (s) => `/mailboxes/INBOX/wait?since=${encodeURIComponent(s.state)}&timeout=${WAIT_SECONDS}`,
    trigger: { imap: imapVerb('IDLE') },
    deadlineMs: WAIT_SECONDS * 1000 + 5000,
  },
];
