import { createServer, type Socket } from 'node:net';

/** Answers one received line with the text to write back (CRLFs included), or nothing. */
export type Responder = (line: string) => string | undefined;

export interface LineServer {
  port: number;
  /** Lines received, across all connections, without CRLF. */
  lines: string[];
  openSockets: () => number;
  close: () => Promise<void>;
}

/** A tiny line-based server on 127.0.0.1 standing in for a mail server behind the proxy. */
export async function startLineServer(options: {
  greeting?: string;
  respond: Responder;
}): Promise<LineServer> {
  const sockets = new Set<Socket>();
  const lines: string[] = [];
  const listener = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (options.greeting) socket.write(options.greeting);
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let lf = pending.indexOf('\n'); lf !== -1; lf = pending.indexOf('\n')) {
        const line = pending.slice(0, lf).replace(/\r$/, '');
        pending = pending.slice(lf + 1);
        lines.push(line);
        const answer = options.respond(line);
        if (answer !== undefined && !socket.destroyed) socket.write(answer);
      }
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const address = listener.address();
  if (address === null || typeof address === 'string') throw new Error('line server has no port');
  return {
    port: address.port,
    lines,
    openSockets: () => sockets.size,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}

/** Echoes each line back as `echo <line>`. */
export const echo: Responder = (line) => `echo ${line}\r\n`;

/**
 * IMAP-shaped answers: an untagged line then the tagged completion. FETCH returns a
 * literal whose content looks like a tagged completion, to prove literals are skipped.
 */
export const imapLike: Responder = (line) => {
  const [tag, verb = ''] = line.split(' ');
  if (verb === 'FETCH') return `* 1 FETCH (BODY[] {14}\r\n${tag} OK fake\r\n)\r\n${tag} OK FETCH done\r\n`;
  if (verb === 'CAPABILITY') return `* CAPABILITY IMAP4rev1 STARTTLS IDLE\r\n${tag} OK done\r\n`;
  return `* 1 EXISTS\r\n${tag} OK ${verb} done\r\n`;
};

/** POP3-shaped answers: one status line, or a dot-terminated body for CAPA and RETR. */
export const pop3Like: Responder = (line) => {
  if (line === 'CAPA') return '+OK capabilities\r\nUIDL\r\nSTLS\r\nTOP\r\n.\r\n';
  if (line.startsWith('RETR')) return '+OK message\r\nSubject: hi\r\n\r\n+OK not a status\r\n.\r\n';
  if (line === 'QUIT') return '+OK bye\r\n';
  return line.startsWith('NOOP') ? '+OK\r\n' : '-ERR unknown\r\n';
};
