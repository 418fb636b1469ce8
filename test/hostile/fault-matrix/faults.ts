import { createServer, type Socket } from 'node:net';
import type { AccountDocument } from '../../../lib/credentials/account.js';
import { encodeImapMessageId, encodePop3MessageId } from '../../../lib/mail/ids.js';
import type { MailServerInfo } from '../../global-setup.js';
import { type Hijacked, startHijackProxy } from '../../support/hostile/hijack-proxy.js';
import { HOSTILE_UID_VALIDITY, startHostileImapServer } from '../../support/hostile/hostile-imap.js';
import { startHostilePop3Server } from '../../support/hostile/hostile-pop3.js';
import { type CountingServer, flood, listenCounting } from '../../support/hostile/listener.js';
import type { Endpoint, Protocol, Seeded } from './endpoints.js';

/** What a cell's request must get. */
export type Expected =
  /** A problem+json with this status and code. */
  | { kind: 'problem'; status: number; code: string }
  /**
   * A download whose declared size was wrong: 200 with `Content-Length` set to
   * the declared size, then fewer bytes and the connection closed (D17).
   */
  | { kind: 'aborted'; declared: number }
  /** A download without `Content-Length` that carries every byte the server sent (POP3 raw, D17). */
  | { kind: 'whole'; atLeast: number }
  /**
   * A streamed download without `Content-Length` whose headers left with the
   * server's +OK (POP3 raw): the body fails once the server cut it, or made
   * no progress for the download idle time (15 s, lib/mail/download-idle.ts).
   * It streams outside the request deadline.
   */
  | { kind: 'cut' };

/** The mail server a cell talks to, and what the gateway's account says about it. */
export interface CellServer {
  /** Counts the sockets the gateway left open; null when nothing listens (refused). */
  counting: CountingServer | null;
  account: AccountDocument;
  /** Replaces the seeded ids when the fault needs a server of its own (size lies). */
  seeded?: Seeded;
  /** Sessions taken over at the endpoint's command, when the fault is served there (0: it never came). */
  hijacked?: () => number;
  close(): Promise<void>;
}

export interface FaultContext {
  protocol: Protocol;
  endpoint: Endpoint;
  mail: MailServerInfo;
  user: { user: string; password: string };
  seeded: Seeded;
}

export interface Fault {
  name: string;
  /** Floods: run alone so the peak RSS growth is the cell's own. */
  heavy?: boolean;
  /** Only for downloads. */
  downloadsOnly?: boolean;
  start(context: FaultContext): Promise<CellServer>;
  expected(context: FaultContext): Expected;
}

const MIB = 1024 * 1024;
/** Each flood stops after this and then hangs: a gateway without limits fails on memory, not by exhausting the machine. */
export const FLOOD = 256 * MIB;
const TWO_GB = 2048 * MIB;
/**
 * POP3 floods are multi-line answers: past every cap of what is read whole
 * (32 MiB), while a raw download, which streams without a cap, gets through
 * it in seconds before the stall that ends it.
 */
const POP3_FLOOD = 64 * MIB;
/** A POP3 message over the 32 MiB a JSON answer or an attachment reads whole. */
const OVER_POP3_CAP = 40 * MIB;

const unavailable: Expected = { kind: 'problem', status: 502, code: 'upstream_unavailable' };
const timedOut: Expected = { kind: 'problem', status: 504, code: 'upstream_timeout' };
const authFailed: Expected = { kind: 'problem', status: 502, code: 'upstream_auth_failed' };

function plainAccount(context: FaultContext, port: number, extra: Partial<AccountDocument> = {}) {
  return {
    protocol: context.protocol,
    host: '127.0.0.1',
    port,
    tls: 'none',
    allowPlaintext: true,
    user: context.user.user,
    password: context.user.password,
    ...extra,
  } as AccountDocument;
}

const dovecotPort = (context: FaultContext, secure: boolean) =>
  context.protocol === 'imap'
    ? secure
      ? context.mail.ports.imaps
      : context.mail.ports.imap
    : secure
      ? context.mail.ports.pop3s
      : context.mail.ports.pop3;

// RFC 1939 §3: the commands whose +OK starts a dot-terminated body.
const POP3_MULTILINE = /^(CAPA|RETR|TOP)\b|^(LIST|UIDL)\s*$/i;

/** What the hijacked session sends at the endpoint's command. */
type Misbehaviour = (hijacked: Hijacked, protocol: Protocol) => void;

/** Sends `text` one byte every 20 s: far slower than any deadline. */
function trickle(hijacked: Hijacked, text: string): void {
  let at = 0;
  let timer: NodeJS.Timeout | undefined;
  const next = () => {
    if (at >= text.length || hijacked.client.destroyed) return;
    hijacked.client.write(text[at++]!, 'latin1');
    timer = setTimeout(next, 20_000);
  };
  hijacked.onClose(() => clearTimeout(timer));
  next();
}

function floodAfter(client: Socket, head: string, unit: string, bytes = FLOOD): void {
  client.write(head, 'latin1');
  void flood(client, bytes, Buffer.from(unit, 'latin1'));
}

const MISBEHAVIOURS: Record<string, Misbehaviour> = {
  'endless line': ({ client }, protocol) => floodAfter(client, protocol === 'imap' ? '* OK ' : '+OK ', 'x'),
  'huge literal': ({ client }, protocol) =>
    protocol === 'imap'
      ? floodAfter(client, `* 1 FETCH (UID 1 BODY[] {${TWO_GB}}\r\n`, 'x')
      : // POP3 has no literals: a multi-line answer that never ends is its unbounded read.
        floodAfter(client, '+OK\r\n', `X-Junk: ${'y'.repeat(1014)}\r\n`, POP3_FLOOD),
  'close mid-literal': ({ client, line }, protocol) => {
    if (protocol === 'imap') client.write(`* 1 FETCH (UID 1 BODY[] {65536}\r\n${'x'.repeat(1000)}`);
    else client.write(POP3_MULTILINE.test(line) ? '+OK\r\nSubject: cut\r\n\r\npart' : '+OK 1 2');
    client.end();
  },
  'BYE mid-command': ({ client }, protocol) => {
    client.write(
      protocol === 'imap' ? '* BYE Server shutting down\r\n' : '-ERR [SYS/PERM] Shutting down\r\n',
    );
    client.end();
  },
  'trickle 1 B/20 s': (hijacked, protocol) =>
    trickle(
      hijacked,
      protocol === 'imap'
        ? `* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n${hijacked.tag} OK done\r\n`
        : POP3_MULTILINE.test(hijacked.line)
          ? '+OK\r\nSubject: slow\r\n\r\nbody\r\n.\r\n'
          : '+OK 1 2048\r\n',
    ),
  'LOGIN refused': (hijacked, protocol) => {
    const { client, tag } = hijacked;
    client.write(
      protocol === 'imap'
        ? `${tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n`
        : '-ERR [AUTH] Authentication failed.\r\n',
    );
    // Then as a server does: a goodbye to LOGOUT/QUIT, and nothing else allowed.
    hijacked.onLine((line) => {
      const [next = ''] = line.split(' ', 1);
      if (protocol === 'imap') {
        if (/^\S+ LOGOUT\b/i.test(line)) {
          client.end(`* BYE Logging out\r\n${next} OK Logout completed.\r\n`);
        } else client.write(`${next} BAD Log in first.\r\n`);
      } else if (/^QUIT\b/i.test(line)) client.end('+OK Logging out.\r\n');
      else client.write('-ERR Log in first.\r\n');
    });
  },
};

/** The login command: where a refused login is answered, whatever the endpoint. */
const LOGIN: Record<Protocol, RegExp> = {
  imap: /^\S+ (LOGIN|AUTHENTICATE)\b/i,
  pop3: /^(PASS|AUTH|APOP)\b/i,
};

/** A POP3 raw download answers 200 as soon as RETR says +OK: what goes wrong later cuts its body. */
const cutWhenStreaming =
  (expected: Expected) =>
  (context: FaultContext): Expected =>
    context.protocol === 'pop3' && context.endpoint.name === 'raw download' ? { kind: 'cut' } : expected;

/** The endpoint's command taken over by `name`'s misbehaviour, on a real session with Dovecot until then. */
function hijacking(
  name: string,
  expected: Expected | ((context: FaultContext) => Expected),
  heavy = false,
): Fault {
  const misbehave = MISBEHAVIOURS[name]!;
  return {
    name,
    heavy,
    async start(context) {
      const trigger =
        name === 'LOGIN refused' ? LOGIN[context.protocol] : context.endpoint.trigger[context.protocol]!;
      const proxy = await startHijackProxy({
        upstream: { host: context.mail.host, port: dovecotPort(context, false) },
        protocol: context.protocol,
        trigger: (line) => trigger.test(line),
        hijack: (hijacked) => misbehave(hijacked, context.protocol),
      });
      return {
        counting: proxy,
        account: plainAccount(context, proxy.port),
        hijacked: () => proxy.hijacked,
        close: () => proxy.close(),
      };
    },
    expected: typeof expected === 'function' ? expected : () => expected,
  };
}

const IMAP_SIZE_MESSAGE = (length: number) => {
  const head = Buffer.from('Subject: sizes\r\n\r\n');
  return Buffer.concat([head, Buffer.alloc(length - head.length, 'm')]);
};

/** A download whose size is stated wrongly: `declared` vs `actual` bytes (IMAP), LIST vs RETR (POP3). */
function sizeLie(
  name: string,
  declared: number,
  actual: number,
  pop3: { stated: number; actual: number },
): Fault {
  return {
    name,
    downloadsOnly: true,
    async start(context) {
      if (context.protocol === 'imap') {
        const bytes = IMAP_SIZE_MESSAGE(actual);
        const server = await startHostileImapServer({
          kind: 'sizes',
          raw: bytes,
          declared,
          attachment: bytes,
        });
        const id = encodeImapMessageId('INBOX', { uidValidity: String(HOSTILE_UID_VALIDITY), uid: 1 });
        return {
          counting: server,
          account: plainAccount(context, server.port),
          seeded: { ...context.seeded, id: { ...context.seeded.id, imap: id } },
          close: () => server.close(),
        };
      }
      const server = await startHostilePop3Server({ kind: 'lying-list', ...pop3 });
      return {
        counting: server,
        account: plainAccount(context, server.port),
        seeded: { ...context.seeded, id: { ...context.seeded.id, pop3: encodePop3MessageId('u20') } },
        close: () => server.close(),
      };
    },
    expected(context) {
      if (context.protocol === 'imap') return { kind: 'aborted', declared };
      // POP3 sizes are the server's estimate: the raw download streams without a Content-Length.
      if (context.endpoint.name === 'raw download') return { kind: 'whole', atLeast: pop3.actual };
      // Read whole only when LIST says at most 32 MiB: more is 413 unread; a RETR past the cap is 502.
      return pop3.stated > 32 * MIB
        ? { kind: 'problem', status: 413, code: 'payload_too_large' }
        : unavailable;
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export const FAULTS: Fault[] = [
  {
    name: 'connection refused',
    async start(context) {
      return { counting: null, account: plainAccount(context, await freePort()), close: async () => {} };
    },
    expected: () => unavailable,
  },
  {
    // A plaintext greeting where the account expects implicit TLS.
    name: 'TLS: plaintext server',
    async start(context) {
      const proxy = await startHijackProxy({
        upstream: { host: context.mail.host, port: dovecotPort(context, false) },
        protocol: context.protocol,
        trigger: null,
      });
      const account = plainAccount(context, proxy.port, {
        tls: 'implicit',
        allowPlaintext: false,
        tlsOptions: { ca: context.mail.caCert },
      });
      return { counting: proxy, account, close: () => proxy.close() };
    },
    expected: () => unavailable,
  },
  {
    // Dovecot's real TLS, with a certificate the account does not trust (no CA given).
    name: 'TLS: untrusted certificate',
    async start(context) {
      const proxy = await startHijackProxy({
        upstream: { host: context.mail.host, port: dovecotPort(context, true) },
        protocol: context.protocol,
        trigger: null,
      });
      const account = plainAccount(context, proxy.port, { tls: 'implicit', allowPlaintext: false });
      return { counting: proxy, account, close: () => proxy.close() };
    },
    expected: () => unavailable,
  },
  {
    name: 'no greeting',
    async start(context) {
      const server = await listenCounting(() => {});
      return { counting: server, account: plainAccount(context, server.port), close: () => server.close() };
    },
    expected: () => timedOut,
  },
  hijacking('endless line', unavailable, true),
  hijacking('huge literal', cutWhenStreaming(unavailable), true),
  sizeLie('size lie: under', 1000, 5000, { stated: 2048, actual: OVER_POP3_CAP }),
  sizeLie('size lie: over', 5000, 1000, { stated: OVER_POP3_CAP, actual: 2048 }),
  hijacking('close mid-literal', cutWhenStreaming(unavailable)),
  hijacking('BYE mid-command', unavailable),
  hijacking('trickle 1 B/20 s', timedOut),
  hijacking('LOGIN refused', authFailed),
];
