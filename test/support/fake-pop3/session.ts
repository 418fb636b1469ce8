import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { TLSSocket } from 'node:tls';
import type { FakeMessage, FakePop3Options, FakeSession } from './options.js';
import { stuff, topOf } from './wire.js';

/**
 * One POP3 session on an accepted socket: the AUTHORIZATION and TRANSACTION
 * states of RFC 1939, with the faults `config` asks for. DELE marks only;
 * QUIT removes the marked messages from the shared `maildrop`.
 */
export function serveFakeSession(
  initial: Socket,
  config: FakePop3Options,
  maildrop: FakeMessage[],
): FakeSession {
  let socket: Socket = initial;
  let markClosed: () => void = () => {};
  const session: FakeSession = {
    reads: [],
    commands: [],
    isClosed: false,
    closed: new Promise<void>((resolve) => {
      markClosed = resolve;
    }),
  };
  initial.on('close', () => {
    session.isClosed = true;
    markClosed();
  });
  initial.on('error', () => {});
  let state: 'auth' | 'transaction' | 'dead' = 'auth';
  let view: FakeMessage[] = [];
  const deleted = new Set<number>();
  let pending = Buffer.alloc(0);
  let chain = Promise.resolve();

  const write = async (text: string | Buffer, command: string) => {
    const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
    if (state === 'dead') return;
    const split = config.split;
    if (!split || (split.command !== undefined && split.command !== command)) {
      socket.write(bytes);
      return;
    }
    const cuts =
      split.offset === 'every-byte' ? bytes.map((_, index) => index + 1) : [split.offset, bytes.length];
    let start = 0;
    for (const cut of cuts) {
      if (cut <= start || cut > bytes.length) continue;
      socket.write(bytes.subarray(start, cut));
      start = cut;
      // A pause so the pieces reach the client in separate reads.
      if (start < bytes.length) await sleep(2);
    }
    if (start < bytes.length) socket.write(bytes.subarray(start));
  };

  const message = (arg: string | undefined): FakeMessage | null => {
    const number = Number(arg);
    if (!Number.isInteger(number) || number < 1 || number > view.length || deleted.has(number)) return null;
    return view[number - 1]!;
  };

  const login = async (ok: boolean, command: string) => {
    if (config.loginReply !== null) return write(`${config.loginReply}\r\n`, command);
    if (!ok) return write('-ERR [AUTH] authentication failed\r\n', command);
    state = 'transaction';
    view = [...maildrop];
    return write('+OK logged in\r\n', command);
  };

  const handle = async (line: string) => {
    session.commands.push(line);
    const [rawVerb = '', ...args] = line.split(' ');
    const verb = rawVerb.toUpperCase();
    const drop = config.dropOn?.command === verb ? config.dropOn : null;
    if (drop && !drop.answer) {
      state = 'dead';
      socket.destroy();
      return;
    }
    await answer(verb, args);
    if (drop) {
      state = 'dead';
      socket.destroy();
    }
  };

  const answer = async (verb: string, args: string[]): Promise<void> => {
    const size = (m: FakeMessage) => m.raw.length;
    switch (`${state}:${verb}`) {
      case 'auth:CAPA':
      case 'transaction:CAPA': {
        const caps = ['TOP', 'UIDL', 'RESP-CODES', 'USER', `SASL ${config.sasl.join(' ')}`];
        if (config.pipelining) caps.push('PIPELINING');
        if (config.stls && state === 'auth' && !(socket instanceof TLSSocket)) caps.push('STLS');
        return write(`+OK\r\n${caps.join('\r\n')}\r\n.\r\n`, verb);
      }
      case 'auth:STLS': {
        if (!config.stls || !config.tls) return write('-ERR no TLS\r\n', verb);
        await write('+OK begin TLS\r\n', verb);
        socket.off('data', onData);
        socket = new TLSSocket(socket, { isServer: true, key: config.tls.key, cert: config.tls.cert });
        socket.on('data', onData);
        socket.on('error', () => {});
        return;
      }
      case 'auth:USER':
        return write('+OK\r\n', verb);
      case 'auth:PASS': {
        const user = session.commands.at(-2)?.slice(5);
        return login(user === config.user && args.join(' ') === config.password, verb);
      }
      case 'auth:AUTH': {
        const decoded = Buffer.from(args[1] ?? '', 'base64').toString('utf8');
        return login(args[0] === 'PLAIN' && decoded === `\0${config.user}\0${config.password}`, verb);
      }
      case 'auth:APOP': {
        const stamp = /<[^>]*>/.exec(config.greeting)?.[0] ?? '';
        const digest = createHash('md5')
          .update(stamp + config.password)
          .digest('hex');
        return login(args[0] === config.user && args[1] === digest, verb);
      }
      case 'auth:QUIT':
      case 'transaction:QUIT':
        for (const number of [...deleted].sort((a, b) => b - a)) maildrop.splice(number - 1, 1);
        await write('+OK bye\r\n', verb);
        state = 'dead';
        socket.end();
        return;
      case 'transaction:STAT': {
        const live = view.filter((_, index) => !deleted.has(index + 1));
        return write(`+OK ${live.length} ${live.reduce((sum, m) => sum + size(m), 0)}\r\n`, verb);
      }
      case 'transaction:LIST':
      case 'transaction:UIDL': {
        const value = (m: FakeMessage) => (verb === 'LIST' ? String(size(m)) : m.uid);
        if (args[0] !== undefined) {
          const m = message(args[0]);
          return write(m ? `+OK ${args[0]} ${value(m)}\r\n` : '-ERR no such message\r\n', verb);
        }
        const lines = view.flatMap((m, index) =>
          deleted.has(index + 1) ? [] : [`${index + 1} ${value(m)}\r\n`],
        );
        return write(`+OK\r\n${lines.join('')}.\r\n`, verb);
      }
      case 'transaction:TOP':
      case 'transaction:RETR': {
        const m = message(args[0]);
        if (!m) return write('-ERR no such message\r\n', verb);
        const body = verb === 'TOP' ? topOf(m.raw, Number(args[1])) : m.raw;
        const response = Buffer.concat([Buffer.from(`+OK ${body.length} octets\r\n`), stuff(body)]);
        if (verb === 'RETR' && config.stallRetrAfter !== null) {
          await write(response.subarray(0, config.stallRetrAfter), verb);
          state = 'dead';
          return;
        }
        return write(response, verb);
      }
      case 'transaction:DELE': {
        if (!message(args[0])) return write('-ERR no such message\r\n', verb);
        deleted.add(Number(args[0]));
        return write('+OK marked\r\n', verb);
      }
      case 'transaction:RSET':
        deleted.clear();
        return write('+OK\r\n', verb);
      case 'transaction:NOOP':
        return write('+OK\r\n', verb);
      default:
        return write('-ERR unknown command\r\n', verb);
    }
  };

  const onData = (chunk: Buffer) => {
    session.reads.push(Buffer.from(chunk));
    pending = Buffer.concat([pending, chunk]);
    for (let end = pending.indexOf('\r\n'); end !== -1; end = pending.indexOf('\r\n')) {
      const line = pending.subarray(0, end).toString('utf8');
      pending = pending.subarray(end + 2);
      chain = chain.then(() => (state === 'dead' ? undefined : handle(line)));
    }
  };
  socket.on('data', onData);
  chain = chain.then(() => write(`+OK ${config.greeting}\r\n`, 'greeting'));
  return session;
}
