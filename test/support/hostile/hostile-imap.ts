import type { Socket } from 'node:net';
import { type CountingServer, flood, listenCounting, onLines } from './listener.js';

/**
 * What the hostile IMAP server does wrong. Floods send `flood` bytes, then
 * go silent with the socket open, so only the client can end the session.
 */
export type HostileImapBehaviour =
  /** The greeting announces a literal of `announced` bytes and sends them. */
  | { kind: 'greeting-literal'; announced: number; flood: number }
  /** The greeting is one line that never ends. */
  | { kind: 'greeting-line'; flood: number }
  /** The answer to EXAMINE (pipelined with LOGIN) carries a literal of `announced` bytes. */
  | { kind: 'answer-literal'; announced: number; flood: number }
  /** The answer to EXAMINE (pipelined with LOGIN) is one line that never ends. */
  | { kind: 'answer-line'; flood: number }
  /** The answer to the first UID FETCH carries a literal of `announced` bytes (imapflow reads it). */
  | { kind: 'fetch-literal'; announced: number; flood: number }
  /**
   * A well-behaved server for one message, except the sizes it states: RFC822.SIZE
   * is `declared` while BODY[] has `raw`; BODYSTRUCTURE describes a 7bit
   * attachment (part 2) of `declared` bytes while BODY[2] has `attachment`.
   */
  | {
      kind: 'sizes';
      raw: Buffer;
      declared: number;
      attachment: Buffer;
      /** Every BODY[…] section answers NIL, as Dovecot does for a message another session expunged meanwhile. */
      nil?: boolean;
    };

export const HOSTILE_UID_VALIDITY = 42;
const CAPABILITIES = 'IMAP4rev1 LITERAL+ UIDPLUS';

export interface HostileImapServer extends CountingServer {
  /** Every command line received (LOGIN included: only tests read it). */
  commands: string[];
}

/** A one-message IMAP server on 127.0.0.1 (plain TCP, any LOGIN accepted) that misbehaves as told. */
export async function startHostileImapServer(behaviour: HostileImapBehaviour): Promise<HostileImapServer> {
  const commands: string[] = [];
  const server = await listenCounting((socket) => serve(socket, behaviour, commands));
  return Object.assign(server, { commands });
}

function serve(socket: Socket, behaviour: HostileImapBehaviour, commands: string[]): void {
  let silent = false;
  const send = (text: string) => {
    if (!silent && !socket.destroyed) socket.write(text, 'latin1');
  };
  /** Sends `head`, floods, and answers nothing more. */
  const floodAfter = (head: string, bytes: number, unit: string) => {
    send(head);
    silent = true;
    void flood(socket, bytes, Buffer.from(unit, 'latin1'));
  };

  if (behaviour.kind === 'greeting-literal') {
    floodAfter(`* OK [ALERT {${behaviour.announced}}\r\n`, behaviour.flood, 'x');
    return;
  }
  if (behaviour.kind === 'greeting-line') {
    floodAfter('* OK ', behaviour.flood, 'x');
    return;
  }
  send(`* OK [CAPABILITY ${CAPABILITIES}] hostile ready\r\n`);
  onLines(socket, (line) => {
    if (silent) return;
    commands.push(line);
    const [tag = '*', rawVerb = ''] = line.split(' ', 2);
    const rest = line.slice(tag.length + rawVerb.length + 2);
    const verb = rawVerb.toUpperCase();
    if (verb === 'CAPABILITY') return send(`* CAPABILITY ${CAPABILITIES}\r\n${tag} OK done\r\n`);
    if (verb === 'LOGIN') return send(`${tag} OK [CAPABILITY ${CAPABILITIES}] logged in\r\n`);
    if (verb === 'LOGOUT') return send(`* BYE bye\r\n${tag} OK bye\r\n`);
    if (verb === 'EXAMINE' || verb === 'SELECT') {
      if (behaviour.kind === 'answer-literal') {
        return floodAfter(`* 1 FETCH (BODY[] {${behaviour.announced}}\r\n`, behaviour.flood, 'x');
      }
      if (behaviour.kind === 'answer-line') return floodAfter('* OK ', behaviour.flood, 'x');
      return send(
        '* FLAGS (\\Seen \\Deleted)\r\n* 1 EXISTS\r\n' +
          `* OK [UIDVALIDITY ${HOSTILE_UID_VALIDITY}] ok\r\n* OK [UIDNEXT 2] ok\r\n` +
          `${tag} OK [READ-ONLY] done\r\n`,
      );
    }
    if (verb === 'UID' && /^FETCH /i.test(rest)) {
      if (behaviour.kind === 'fetch-literal') {
        return floodAfter(
          `* 1 FETCH (UID 1 RFC822.SIZE 10 BODY[]<0> {${behaviour.announced}}\r\n`,
          behaviour.flood,
          'x',
        );
      }
      if (behaviour.kind === 'sizes') return answerFetch(send, tag, rest, behaviour);
    }
    return send(`${tag} OK done\r\n`);
  });
}

/** The UID FETCH items of a download, answered from the message with the stated sizes. */
function answerFetch(
  send: (text: string) => void,
  tag: string,
  request: string,
  { raw, declared, attachment, nil }: Extract<HostileImapBehaviour, { kind: 'sizes' }>,
): void {
  const items: string[] = ['UID 1'];
  const literals: Buffer[] = [];
  if (/RFC822\.SIZE/i.test(request)) items.push(`RFC822.SIZE ${declared}`);
  if (/BODYSTRUCTURE/i.test(request)) {
    items.push(
      'BODYSTRUCTURE (("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 4 1 NIL NIL NIL NIL)' +
        `("APPLICATION" "OCTET-STREAM" ("NAME" "a.bin") NIL NIL "7BIT" ${declared} NIL ` +
        '("ATTACHMENT" ("FILENAME" "a.bin")) NIL NIL) "MIXED" ("BOUNDARY" "b") NIL NIL NIL)',
    );
  }
  for (const match of request.matchAll(/BODY\.PEEK\[([0-9.]*)\]<(\d+)\.(\d+)>/gi)) {
    const [, section = '', start = '0', length = '0'] = match;
    const source = section === '' ? raw : attachment;
    const bytes = source.subarray(Number(start), Number(start) + Number(length));
    if (nil) {
      items.push(`BODY[${section}]<${start}> NIL`);
      continue;
    }
    items.push(`BODY[${section}]<${start}> {${bytes.length}}\r\n\0`);
    literals.push(bytes);
  }
  const parts = `* 1 FETCH (${items.join(' ')})\r\n`.split('\0');
  const out: Buffer[] = [];
  parts.forEach((part, index) => {
    out.push(Buffer.from(part, 'latin1'));
    if (index < literals.length) out.push(literals[index]!);
  });
  out.push(Buffer.from(`${tag} OK done\r\n`, 'latin1'));
  send(Buffer.concat(out).toString('latin1'));
}
