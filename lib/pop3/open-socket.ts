import { isIP, connect as netConnect, type Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { Pop3Error, type Pop3Phase } from './pop3-error.js';

export interface Pop3TlsOptions {
  /** PEM bundle to trust. */
  ca?: string;
  servername?: string;
  /** Defaults to true; only a test or a private CA setup should turn it off. */
  rejectUnauthorized?: boolean;
}

export interface SocketTarget {
  host: string;
  port: number;
  /** `implicit`: TLS from the first byte (port 995 style). */
  implicitTls: boolean;
  tlsOptions?: Pop3TlsOptions;
  timeoutMs: number;
  signal?: AbortSignal;
}

function tlsSettings(host: string, options: Pop3TlsOptions = {}) {
  const servername = options.servername ?? (isIP(host) === 0 ? host : undefined);
  return {
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    ...(servername === undefined ? {} : { servername }),
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    minVersion: 'TLSv1.2' as const,
  };
}

/**
 * Opens the TCP (and for implicit TLS, TLS) connection.
 * @throws Pop3Error `connect`, `timeout` or `aborted`; the socket is destroyed on failure.
 */
export function openSocket(target: SocketTarget): Promise<Socket> {
  const socket = target.implicitTls
    ? tlsConnect({ host: target.host, port: target.port, ...tlsSettings(target.host, target.tlsOptions) })
    : netConnect({ host: target.host, port: target.port });
  socket.setNoDelay(true);
  return settle(socket, target.implicitTls ? 'secureConnect' : 'connect', 'connect', target);
}

/**
 * Performs the TLS handshake on an established plain socket (RFC 2595 §4, after STLS +OK).
 * @throws Pop3Error `connect`, `timeout` or `aborted`.
 */
export function upgradeSocket(
  plain: Socket,
  target: Pick<SocketTarget, 'host' | 'tlsOptions' | 'timeoutMs' | 'signal'>,
): { socket: TLSSocket; ready: Promise<Socket> } {
  const socket = tlsConnect({ socket: plain, ...tlsSettings(target.host, target.tlsOptions) });
  return { socket, ready: settle(socket, 'secureConnect', 'tls', target) };
}

function settle(
  socket: Socket,
  readyEvent: 'connect' | 'secureConnect',
  phase: Pop3Phase,
  target: Pick<SocketTarget, 'timeoutMs' | 'signal'>,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const fail = (error: Pop3Error) => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onReady = () => {
      cleanup();
      resolve(socket);
    };
    const onError = (cause: Error) =>
      fail(new Pop3Error('connect', 'POP3 connection or TLS handshake failed', { phase, cause }));
    const onAbort = () => fail(new Pop3Error('aborted', 'POP3 session aborted', { phase }));
    const timer = setTimeout(
      () => fail(new Pop3Error('timeout', 'POP3 connection timed out', { phase })),
      target.timeoutMs,
    );
    const cleanup = () => {
      clearTimeout(timer);
      socket.off(readyEvent, onReady);
      socket.off('error', onError);
      target.signal?.removeEventListener('abort', onAbort);
    };
    socket.once(readyEvent, onReady);
    socket.once('error', onError);
    if (target.signal?.aborted) return onAbort();
    target.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
