import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createTestCertificate } from '../../support/test-certificate.js';

/** One request as the receiver saw it. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The TLS server name the client asked for (https only). */
  servername?: string | false | null;
}

export type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

/**
 * A webhook receiver on loopback that records every connection and request
 * and answers as the test says (200 by default). Connections are counted
 * when accepted, so "no connection was made" is observable.
 */
export interface Receiver {
  url: (path?: string) => string;
  port: number;
  connections: number;
  /** Connections the server has seen closed. */
  closed: number;
  requests: Received[];
  handle: Handler;
  close: () => Promise<void>;
}

export async function startReceiver(
  options: { host?: string; port?: number; tls?: { key: string; cert: string }; urlHost?: string } = {},
): Promise<Receiver> {
  const host = options.host ?? '127.0.0.1';
  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      receiver.requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body,
        ...(options.tls ? { servername: (request.socket as TLSSocket).servername } : {}),
      });
      receiver.handle(request, response, body);
    });
  };
  const server = options.tls ? createHttpsServer(options.tls, onRequest) : createHttpServer(onRequest);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    receiver.connections += 1;
    sockets.add(socket);
    socket.on('close', () => {
      receiver.closed += 1;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = options.urlHost ?? (host.includes(':') ? `[${host}]` : host);
  const receiver: Receiver = {
    url: (path = '/hook') => `${options.tls ? 'https' : 'http'}://${urlHost}:${port}${path}`,
    port,
    connections: 0,
    closed: 0,
    requests: [],
    handle: (_request, response) => response.end('ok'),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return receiver;
}

/** A throwaway self-signed certificate for one DNS name (P-256, one day). */
export function certificateFor(name: string): { key: string; cert: string } {
  return createTestCertificate(name);
}

/** Resolves when `check` holds (polled), or fails after `ms`. */
export async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
