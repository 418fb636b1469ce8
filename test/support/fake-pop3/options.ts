/** The fake POP3 server's options, the handles a test holds, and their builders. */

export interface FakeMessage {
  uid: string;
  /** The message as delivered, CRLF line ends; the server byte-stuffs it. */
  raw: Buffer;
}

export interface FakePop3Options {
  messages: FakeMessage[];
  user: string;
  password: string;
  pipelining: boolean;
  stls: boolean;
  sasl: string[];
  /** Text after "+OK " in the greeting (put an APOP timestamp here). */
  greeting: string;
  /** Key and certificate for STLS. */
  tls: { key: string; cert: string } | null;
  /** Write each answer to `command` (all when absent) in two parts split at `offset`, or one byte at a time. */
  split: { offset: number | 'every-byte'; command?: string } | null;
  /** Send only this many bytes of every RETR answer, then go silent. */
  stallRetrAfter: number | null;
  /** Destroy the socket when `command` arrives, after answering it when `answer`. */
  dropOn: { command: string; answer: boolean } | null;
  /** Answer to PASS, AUTH and APOP instead of checking the credentials, e.g. "-ERR [IN-USE] locked". */
  loginReply: string | null;
}

export interface FakeSession {
  /** Every chunk as the server's socket read it, in order. */
  reads: Buffer[];
  /** Command lines received (secrets included: only tests read this). */
  commands: string[];
  closed: Promise<void>;
  isClosed: boolean;
}

export interface FakePop3Server {
  port: number;
  sessions: FakeSession[];
  /** The shared maildrop; QUIT after DELE removes from it, as RFC 1939 §6 says. */
  maildrop: FakeMessage[];
  close(): Promise<void>;
}

export function buildFakeMessage(overrides: Partial<FakeMessage> = {}): FakeMessage {
  return { uid: 'uid-1', raw: Buffer.from('Subject: hi\r\n\r\nhello\r\n'), ...overrides };
}

/** The options a test gave, the defaults for the rest: one PLAIN login, PIPELINING, no faults. */
export function resolveFakePop3Options(options: Partial<FakePop3Options>): FakePop3Options {
  return {
    messages: [],
    user: 'alice',
    password: 'secret',
    pipelining: true,
    stls: false,
    sasl: ['PLAIN'],
    greeting: 'fake POP3 ready',
    tls: null,
    split: null,
    stallRetrAfter: null,
    dropOn: null,
    loginReply: null,
    ...options,
  };
}
