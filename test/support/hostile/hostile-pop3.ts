import type { Socket } from 'node:net';
import { type CountingServer, flood, listenCounting, onLines } from './listener.js';

/** What the hostile POP3 server does wrong, for a maildrop of `count` messages `u1`…`uN`. */
export type HostilePop3Behaviour =
  /** RETR says +OK and sends `flood` bytes of body lines, never the terminating ".". */
  | { kind: 'endless-retr'; flood: number }
  /** TOP says +OK and sends `flood` bytes of header lines, never the terminating ".". */
  | { kind: 'endless-top'; flood: number }
  /** Every TOP answer is a complete header block of `bytes` bytes. */
  | { kind: 'large-tops'; bytes: number }
  /** LIST states `size` for every message, and RETR sends that many bytes, complete. */
  | { kind: 'large-message'; size: number }
  /** LIST states `stated` for every message, while RETR sends `actual` bytes of body, complete. */
  | { kind: 'lying-list'; stated: number; actual: number };

export interface HostilePop3Server extends CountingServer {
  commands: string[];
}

/** Body lines of 1 KiB, CRLF-ended, none starting with a dot. */
const BODY_LINE = `${'x'.repeat(1022)}\r\n`;
const HEADER_LINE = `X-Junk: ${'y'.repeat(1014)}\r\n`;

/** A POP3 server on 127.0.0.1 (plain TCP, USER/PASS accepted, PIPELINING) that misbehaves as told. */
export async function startHostilePop3Server(
  behaviour: HostilePop3Behaviour,
  count = 20,
): Promise<HostilePop3Server> {
  const commands: string[] = [];
  const server = await listenCounting((socket) => serve(socket, behaviour, count, commands));
  return Object.assign(server, { commands });
}

function serve(socket: Socket, behaviour: HostilePop3Behaviour, count: number, commands: string[]): void {
  let silent = false;
  // Answers leave in order, a flood included, as a real server's would.
  let chain = Promise.resolve();
  const send = (text: string) => {
    chain = chain.then(() => {
      if (!silent && !socket.destroyed) socket.write(text, 'latin1');
    });
  };
  const floodThen = (head: string, bytes: number, unit: string, tail: string | null) => {
    chain = chain.then(async () => {
      if (silent || socket.destroyed) return;
      socket.write(head, 'latin1');
      if (tail === null) silent = true;
      await flood(socket, bytes, Buffer.from(unit, 'latin1'));
      if (tail !== null && !socket.destroyed) socket.write(tail, 'latin1');
    });
  };
  const stated =
    behaviour.kind === 'large-message'
      ? behaviour.size
      : behaviour.kind === 'lying-list'
        ? behaviour.stated
        : 2048;
  const number = (arg: string | undefined) => {
    const n = Number(arg);
    return Number.isInteger(n) && n >= 1 && n <= count ? n : null;
  };

  send('+OK hostile POP3 ready\r\n');
  onLines(socket, (line) => {
    commands.push(line);
    const [rawVerb = '', first, second] = line.split(' ');
    const verb = rawVerb.toUpperCase();
    const n = number(first);
    switch (verb) {
      case 'CAPA':
        return send('+OK\r\nTOP\r\nUIDL\r\nUSER\r\nPIPELINING\r\n.\r\n');
      case 'USER':
      case 'PASS':
      case 'NOOP':
        return send('+OK\r\n');
      case 'QUIT':
        send('+OK bye\r\n');
        chain = chain.then(() => void socket.end());
        return;
      case 'STAT':
        return send(`+OK ${count} ${count * stated}\r\n`);
      case 'UIDL':
      case 'LIST': {
        const value = (k: number) => (verb === 'UIDL' ? `u${k}` : String(stated));
        if (first !== undefined) return send(n ? `+OK ${n} ${value(n)}\r\n` : '-ERR no such message\r\n');
        const lines = Array.from({ length: count }, (_, index) => `${index + 1} ${value(index + 1)}\r\n`);
        return send(`+OK\r\n${lines.join('')}.\r\n`);
      }
      case 'TOP':
        if (!n || second === undefined) return send('-ERR no such message\r\n');
        if (behaviour.kind === 'endless-top') return floodThen('+OK\r\n', behaviour.flood, HEADER_LINE, null);
        if (behaviour.kind === 'large-tops') {
          return floodThen(`+OK\r\nSubject: m${n}\r\n`, behaviour.bytes, HEADER_LINE, '\r\n.\r\n');
        }
        return send(`+OK\r\nSubject: m${n}\r\nFrom: a@example.com\r\n\r\n.\r\n`);
      case 'RETR':
        if (!n) return send('-ERR no such message\r\n');
        if (behaviour.kind === 'endless-retr') {
          return floodThen('+OK\r\nSubject: endless\r\n\r\n', behaviour.flood, BODY_LINE, null);
        }
        if (behaviour.kind === 'lying-list') {
          return floodThen('+OK\r\nSubject: lying\r\n\r\n', behaviour.actual, BODY_LINE, '\r\n.\r\n');
        }
        if (behaviour.kind === 'large-message') {
          return floodThen('+OK\r\nSubject: large\r\n\r\n', behaviour.size, BODY_LINE, '\r\n.\r\n');
        }
        return send(`+OK\r\nSubject: m${n}\r\n\r\nhello\r\n.\r\n`);
      default:
        return send('-ERR unknown command\r\n');
    }
  });
}
