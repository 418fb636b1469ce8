import type { Readable } from 'node:stream';
import { ConfigurationError, UpstreamAuthError } from '../mail/errors.js';
import { capa } from './commands/capa.js';
import { fetchHeaders, type MessageHeaderInfo } from './commands/headers.js';
import { listAll, listOne, type MessageSize } from './commands/list.js';
import {
  apop,
  authenticate,
  oauthBearerResponse,
  plainResponse,
  userPass,
  xoauth2Response,
} from './commands/login.js';
import { dele, noop, quit, rset } from './commands/maildrop.js';
import { retr, retrWhole, type WholeMessage } from './commands/retr.js';
import { type MaildropStat, stat } from './commands/stat.js';
import { stls } from './commands/stls.js';
import { top, topMany } from './commands/top.js';
import { type MessageUid, uidlAll, uidlOne } from './commands/uidl.js';
import { Pop3Connection } from './connection.js';
import { mapPop3Error } from './map-error.js';
import { openSocket, type Pop3TlsOptions } from './open-socket.js';
import type { Pop3Capabilities } from './parse-capa.js';
import { Pop3Error } from './pop3-error.js';
import { MAX_LISTING_BYTES } from './read-limits.js';
import { greetingTimestamp } from './status-line.js';

export interface Pop3ClientOptions {
  host: string;
  port: number;
  /** `starttls` insists on STLS (RFC 2595) before any credential is sent. */
  tls: 'implicit' | 'starttls' | 'none';
  /** Required for `tls: 'none'`. */
  allowPlaintext?: boolean;
  tlsOptions?: Pop3TlsOptions;
  user: string;
  password?: string;
  /** OAuth2 bearer token, sent with AUTH OAUTHBEARER (RFC 7628) when CAPA's SASL lists it, else AUTH XOAUTH2. */
  accessToken?: string;
  /** Log in with APOP when the greeting offers it. Off by default: MD5 is weaker than a password over TLS. */
  preferApop?: boolean;
  connectTimeoutMs?: number;
  greetingTimeoutMs?: number;
  /** Per-command deadline; for streamed bodies, the longest silence allowed. */
  commandTimeoutMs?: number;
  /** Cap on a buffered multi-line answer that has no cap of its own (CAPA, LIST, UIDL). */
  maxResponseBytes?: number;
  /** Ends the whole session when aborted. */
  signal?: AbortSignal;
}

/**
 * A POP3 session (RFC 1939) with CAPA, STLS, AUTH and PIPELINING. Every
 * method throws only domain errors (lib/mail/errors); streams are destroyed
 * with them too. Single use: after `quit()` or `close()` create a new client.
 */
export class Pop3Client {
  private readonly options: Pop3ClientOptions;
  private connection: Pop3Connection | null = null;
  private caps: Pop3Capabilities | null = null;
  private refused = false;

  constructor(options: Pop3ClientOptions) {
    this.options = options;
  }

  /** Capabilities after TLS (RFC 2595 §4 discards the plaintext list). */
  get capabilities(): Pop3Capabilities {
    if (!this.caps) throw new Error('Pop3Client is not connected');
    return this.caps;
  }

  /**
   * True once the server answered the login itself with -ERR (not a
   * LOGIN-DELAY or IN-USE): for an OAuth2 account the token may have expired
   * or been revoked, and a refreshed one may pass on a new session.
   */
  get loginRefused(): boolean {
    return this.refused;
  }

  /** True when commands are written without waiting for earlier answers. */
  get pipelining(): boolean {
    return this.connection?.pipelining ?? false;
  }

  /**
   * Connects, negotiates TLS and logs in.
   * @throws UpstreamAuthError, UpstreamThrottledError, UpstreamUnavailableError, UpstreamTimeoutError, ConfigurationError
   */
  async connect(): Promise<void> {
    const { options } = this;
    if (options.tls === 'none' && options.allowPlaintext !== true) {
      throw new ConfigurationError('POP3 account uses tls "none" without allowPlaintext.');
    }
    const target = {
      host: options.host,
      tlsOptions: options.tlsOptions,
      timeoutMs: options.connectTimeoutMs ?? 15_000,
      signal: options.signal,
    };
    try {
      const socket = await openSocket({
        ...target,
        port: options.port,
        implicitTls: options.tls === 'implicit',
      });
      const connection = new Pop3Connection(socket, {
        commandTimeoutMs: options.commandTimeoutMs ?? 30_000,
        maxResponseBytes: options.maxResponseBytes ?? MAX_LISTING_BYTES,
        signal: options.signal,
        mapStreamError: mapPop3Error,
      });
      this.connection = connection;
      const greeting = await connection.send({
        line: null,
        verb: 'greeting',
        phase: 'greeting',
        multiline: false,
        timeoutMs: options.greetingTimeoutMs ?? 15_000,
      });
      let caps = await capa(connection, 'greeting');
      if (options.tls === 'starttls') {
        if (!caps.has('STLS')) {
          throw new Pop3Error('tls_unavailable', 'server does not offer STLS', { phase: 'tls' });
        }
        await stls(connection, target);
        caps = await capa(connection, 'tls');
      }
      this.caps = caps;
      connection.pipelining = caps.has('PIPELINING');
      await this.login(connection, caps, greetingTimestamp(greeting.status));
    } catch (error) {
      this.close();
      throw mapPop3Error(error);
    }
  }

  private async login(connection: Pop3Connection, caps: Pop3Capabilities, timestamp: string | null) {
    const { user, password, accessToken, preferApop } = this.options;
    try {
      if (accessToken !== undefined) {
        await this.oauth2(connection, caps, accessToken);
      } else if (password === undefined) {
        throw new ConfigurationError('POP3 account has neither a password nor an access token.');
      } else if (preferApop && timestamp !== null) {
        await apop(connection, user, password, timestamp);
      } else if (caps.saslMechanisms.includes('PLAIN')) {
        await authenticate(connection, 'PLAIN', plainResponse(user, password));
      } else {
        await userPass(connection, user, password);
      }
    } catch (error) {
      this.refused = error instanceof Pop3Error && mapPop3Error(error) instanceof UpstreamAuthError;
      // RFC 2449 §8.1.1: LOGIN-DELAY's wait is the one CAPA advertised.
      if (error instanceof Pop3Error && error.responseCode === 'LOGIN-DELAY' && caps.loginDelay !== null) {
        throw new Pop3Error('rejected', error.message, {
          ...error,
          retryAfter: caps.loginDelay,
          cause: error,
        });
      }
      throw error;
    }
  }

  /**
   * RFC 7628 OAUTHBEARER where CAPA's SASL lists it, else XOAUTH2 (the
   * mechanism Gmail and Microsoft 365 document for POP3; also sent to a
   * server whose CAPA lists no SASL, which may still take it).
   */
  private async oauth2(connection: Pop3Connection, caps: Pop3Capabilities, accessToken: string) {
    const { user, host, port, tlsOptions } = this.options;
    if (caps.saslMechanisms.includes('OAUTHBEARER')) {
      const server = { host: tlsOptions?.servername ?? host, port };
      await authenticate(connection, 'OAUTHBEARER', oauthBearerResponse(user, accessToken, server));
    } else {
      await authenticate(connection, 'XOAUTH2', xoauth2Response(user, accessToken));
    }
  }

  private async run<T>(command: (connection: Pop3Connection) => Promise<T>): Promise<T> {
    if (!this.connection) throw new Error('Pop3Client is not connected');
    try {
      return await command(this.connection);
    } catch (error) {
      throw mapPop3Error(error);
    }
  }

  /** @throws UpstreamUnavailableError, UpstreamTimeoutError */
  stat(): Promise<MaildropStat> {
    return this.run(stat);
  }

  /** Sizes of every message. */
  list(): Promise<MessageSize[]> {
    return this.run(listAll);
  }

  /** @throws MessageNotFoundError */
  listOne(number: number): Promise<MessageSize> {
    return this.run((connection) => listOne(connection, number));
  }

  uidl(): Promise<MessageUid[]> {
    return this.run(uidlAll);
  }

  /** @throws MessageNotFoundError */
  uidlOne(number: number): Promise<MessageUid> {
    return this.run((connection) => uidlOne(connection, number));
  }

  /** @throws MessageNotFoundError */
  top(number: number, lines: number): Promise<Buffer> {
    return this.run((connection) => top(connection, number, lines));
  }

  /** Pipelined when the server advertises PIPELINING. @throws MessageNotFoundError */
  topMany(numbers: number[], lines: number): Promise<Buffer[]> {
    return this.run((connection) => topMany(connection, numbers, lines));
  }

  /**
   * UIDL, size and header (with `bodyLines` body lines, SUMMARY_BODY_LINES by
   * default) of each message, pipelined when possible. @throws MessageNotFoundError
   */
  headers(numbers: number[], bodyLines?: number): Promise<MessageHeaderInfo[]> {
    return this.run((connection) => fetchHeaders(connection, numbers, bodyLines));
  }

  /** The message, byte-exact, as a back-pressured stream. @throws MessageNotFoundError */
  retr(number: number): Promise<Readable> {
    return this.run((connection) => retr(connection, number));
  }

  /**
   * The message whole, if the server says it has at most `maxBytes` (LIST n,
   * pipelined with RETR n); else its stated size, unread, and the session is
   * over. A server that sends more than `maxBytes` ends the session at that
   * byte (UpstreamUnavailableError).
   * @throws MessageNotFoundError, UpstreamUnavailableError
   */
  retrWhole(number: number, maxBytes: number): Promise<WholeMessage> {
    return this.run((connection) => retrWhole(connection, number, maxBytes));
  }

  /** Marks a message; only a successful `quit()` removes it. @throws MessageNotFoundError */
  dele(number: number): Promise<void> {
    return this.run((connection) => dele(connection, number));
  }

  rset(): Promise<void> {
    return this.run(rset);
  }

  noop(): Promise<void> {
    return this.run(noop);
  }

  /** Ends the session cleanly; resolving means every DELE of the session is committed. */
  quit(): Promise<void> {
    return this.run(quit);
  }

  /** Drops the connection without QUIT: messages marked with DELE stay. Idempotent. */
  close(): void {
    this.connection?.destroy();
  }
}

export function createPop3Client(options: Pop3ClientOptions): Pop3Client {
  return new Pop3Client(options);
}
