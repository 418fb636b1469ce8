/** The fake IMAP server's options, its mailbox state, the handles a test holds, and their builders. */

export interface FakeImapMessage {
  uid: number;
  flags: string[];
  /** The message as stored, CRLF line ends. */
  raw: Buffer;
}

export interface FakeMailbox {
  uidValidity: number;
  uidNext: number;
  messages: FakeImapMessage[];
  /** Listed with `\Noselect`: a name that only holds other mailboxes. */
  noselect: boolean;
}

/** One command as the server parsed it: `verb` is upper case, `UID MOVE` for UID commands. */
export interface FakeImapCommand {
  tag: string;
  verb: string;
  /** Arguments: atoms and quoted strings as strings, literals as Buffers, lists as arrays. */
  args: FakeImapArg[];
  /** The command line as received, literals replaced by `{n}` (secrets included: only tests read this). */
  line: string;
}

export type FakeImapArg = string | Buffer | FakeImapArg[];

export interface FakeImapOptions {
  user: string;
  password: string;
  /** Advertised in the greeting and after LOGIN. */
  capabilities: string[];
  /** The mailboxes at start, by name (as on the wire), each with the subjects of its messages. */
  mailboxes: Record<string, string[]>;
  delimiter: string;
  /** Names that differ only in case are the same mailbox, as on some servers (INBOX always is). */
  foldCase: boolean;
  /** Text of the plain `NO` a command naming a mailbox that does not exist gets. */
  missingText: string;
  /** Text of the plain `NO` CREATE or RENAME onto a name that exists gets. */
  existsText: string;
  /** Verbs (`DELETE`, `UID MOVE`) answered `NO <text>` whatever the state, e.g. "Permission denied". */
  refuse: Record<string, string>;
  /** Called before each command is answered; may change the state (a mailbox deleted by someone else). */
  onCommand: ((command: FakeImapCommand, state: FakeImapState) => void) | null;
}

/** What every session of one server shares: the account's mailboxes and subscriptions. */
export interface FakeImapState {
  mailboxes: Map<string, FakeMailbox>;
  subscribed: Set<string>;
  /** The stored name `name` refers to (INBOX in any case; any case with `foldCase`), or null. */
  find(name: string): string | null;
}

export interface FakeImapSession {
  commands: FakeImapCommand[];
  closed: Promise<void>;
}

export interface FakeImapServer {
  port: number;
  state: FakeImapState;
  sessions: FakeImapSession[];
  /** Every command of every session, in order of arrival. */
  readonly commands: FakeImapCommand[];
  close(): Promise<void>;
}

/** The options a test gave, the defaults for the rest: plain login, LITERAL+ UIDPLUS MOVE, English texts. */
export function resolveFakeImapOptions(options: Partial<FakeImapOptions>): FakeImapOptions {
  return {
    user: 'alice',
    password: 'secret',
    capabilities: ['IMAP4rev1', 'LITERAL+', 'UIDPLUS', 'MOVE', 'UNSELECT'],
    mailboxes: { INBOX: [] },
    delimiter: '/',
    foldCase: false,
    missingText: 'Mailbox does not exist',
    existsText: 'Mailbox already exists',
    refuse: {},
    onCommand: null,
    ...options,
  };
}

export function buildFakeImapMessage(uid: number, subject: string): FakeImapMessage {
  const raw = Buffer.from(
    `From: a@example.com\r\nTo: b@example.com\r\nSubject: ${subject}\r\n` +
      `Message-ID: <${uid}.${subject.replace(/\W/g, '')}@example.com>\r\n\r\nbody of ${subject}\r\n`,
  );
  return { uid, flags: [], raw };
}

let nextValidity = 1000;

export function createFakeImapState(options: FakeImapOptions): FakeImapState {
  const mailboxes = new Map<string, FakeMailbox>();
  for (const [name, subjects] of Object.entries(options.mailboxes)) {
    mailboxes.set(name, {
      uidValidity: nextValidity++,
      uidNext: subjects.length + 1,
      messages: subjects.map((subject, index) => buildFakeImapMessage(index + 1, subject)),
      noselect: false,
    });
  }
  const fold = (name: string) =>
    options.foldCase || name.toUpperCase() === 'INBOX' ? name.toUpperCase() : name;
  return {
    mailboxes,
    subscribed: new Set(mailboxes.keys()),
    find(name) {
      for (const stored of mailboxes.keys()) if (fold(stored) === fold(name)) return stored;
      return null;
    },
  };
}

/** A new, empty mailbox with a fresh UIDVALIDITY. */
export function newFakeMailbox(): FakeMailbox {
  return { uidValidity: nextValidity++, uidNext: 1, messages: [], noselect: false };
}
