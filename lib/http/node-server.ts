import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { getRequestListener, RequestError } from '@hono/node-server';
import type { ErrorCode } from '../mail/errors.js';
import type { Logger } from '../mail/logger.js';
import { createApp } from './app.js';
import type { AppDeps } from './app-env.js';
import { buildProblem, PROBLEM_CONTENT_TYPE } from './problem.js';

export interface NodeServerOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
}

export interface RunningServer {
  server: Server;
  /** The listening address as an origin, e.g. `http://127.0.0.1:8025`. */
  url: string;
  /** Stops accepting, closes every connection (kept-alive ones too) and resolves once closed. */
  close(): Promise<void>;
}

/**
 * The origins a client may use for this listening address: the address
 * itself, and for a loopback or wildcard bind the loopback names too. The
 * first is the one links fall back to. Behind a proxy or on a wildcard bind
 * reached from elsewhere, MAILGATE_PUBLIC_ORIGINS says what clients use.
 */
export function listeningOrigins(address: AddressInfo): string[] {
  const { address: ip, port } = address;
  const host = (value: string) => `http://${value.includes(':') ? `[${value}]` : value}:${port}`;
  const loopback = [host('127.0.0.1'), host('::1'), host('localhost')];
  if (ip === '0.0.0.0' || ip === '::') return loopback;
  if (ip === '127.0.0.1' || ip === '::1')
    return [host(ip), ...loopback.filter((origin) => origin !== host(ip))];
  return [host(ip)];
}

function problemBytes(code: ErrorCode, detail: string): { status: number; title: string; body: string } {
  const problem = buildProblem(code, detail);
  return { status: problem.status, title: problem.title, body: JSON.stringify(problem) };
}

/** What Node's HTTP parser reports, as the code and words of our answer. */
function parserProblem(code: string | undefined): [ErrorCode, string] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return ['headers_too_large', 'The request headers are larger than this server accepts.'];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return ['payload_too_large', 'The chunk extensions are larger than this server accepts.'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return ['request_timeout', 'The request did not arrive before the deadline.'];
    default:
      return ['invalid_request', 'The request is not valid HTTP/1.1.'];
  }
}

/**
 * Node answers a request its parser refuses (malformed, headers too large)
 * with a bare status line of its own; this answers problem+json like every
 * other error, then closes the connection (what follows on it cannot be
 * trusted to start a request).
 */
function answerClientError(logger: Logger, answering: WeakSet<Socket>) {
  return (error: Error & { code?: string }, duplex: Duplex): void => {
    const socket = duplex as Socket;
    // Nothing can be said on a socket that is gone or is carrying a response (a pipelined request
    // refused while the one before it is answered). A finished response before it on a kept-alive
    // connection is no reason for silence (bytesWritten counts those: such clients got no answer).
    if (error.code === 'ECONNRESET' || !socket.writable || answering.has(socket)) {
      socket.destroy();
      return;
    }
    const [code, detail] = parserProblem(error.code);
    logger.debug('malformed request refused', { code, parserCode: error.code });
    const { status, title, body } = problemBytes(code, detail);
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
}

/**
 * A request Node parsed but the adapter cannot turn into a Request (no or a
 * malformed Host header, a bad request target): 400 problem+json instead of
 * the adapter's empty 400. Anything else is a bug: 500.
 */
function answerUnreadableRequest(logger: Logger) {
  return (error: unknown): Response => {
    const bad = error instanceof RequestError;
    if (!bad) logger.error('the request could not be handed to the app', { error });
    const { status, body } = bad
      ? problemBytes('invalid_request', 'The request target or Host header is malformed.')
      : problemBytes('internal_error', 'An unexpected error occurred.');
    return new Response(body, {
      status,
      headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, Connection: 'close' },
    });
  };
}

/**
 * Serves the app on Node, as `npm start` and the integration tests run it.
 * Links in answers name the listening address unless MAILGATE_PUBLIC_ORIGINS
 * says otherwise (see listeningOrigins), and every answer, Node's own
 * refusals included, is problem+json when it is an error.
 */
export async function startNodeServer(deps: AppDeps, options: NodeServerOptions): Promise<RunningServer> {
  let origins: string[] = [];
  const app = createApp({ ...deps, publicOrigins: () => origins });
  const listener = getRequestListener(app.fetch, { errorHandler: answerUnreadableRequest(deps.logger) });
  // An HTTP/1.1 request without Host is refused by the adapter (as problem+json), not by Node's bare 400.
  const server = createServer({ requireHostHeader: false }, listener);
  // The sockets a response is being written on, so a refusal never lands inside one.
  const answering = new WeakSet<Socket>();
  server.on('request', (request, response) => {
    answering.add(request.socket);
    response.once('close', () => answering.delete(request.socket));
  });
  server.on('clientError', answerClientError(deps.logger, answering));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
  origins = listeningOrigins(server.address() as AddressInfo);
  const url = origins[0]!;
  return {
    server,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
