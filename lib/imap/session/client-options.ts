import type { ImapFlowOptions } from 'imapflow';
import type { Account } from '../../credentials/account.js';
import { ConfigurationError } from '../../mail/errors.js';
import type { Logger } from '../../mail/logger.js';
import {
  MAX_LINE_BYTES,
  MAX_LITERAL_BYTES,
  MAX_RESPONSE_BYTES,
  MAX_RESPONSE_TOKENS,
} from '../wire/wire-limits.js';
import { createImapLogSink } from './imap-logger.js';

/** Connection phase limits; the request deadline (the store's AbortSignal) is usually shorter. */
const CONNECTION_TIMEOUT_MS = 10_000;
const GREETING_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 60_000;

/** What a session logs in with beyond the stored account document. */
export interface LoginCredentials {
  /**
   * The OAuth2 bearer token for this login, from the account's
   * AccessTokenSource at the moment the connection opens; required for an
   * OAuth2 account (imapflow sends AUTHENTICATE OAUTHBEARER when the server
   * offers it, else XOAUTH2).
   */
  accessToken?: string;
}

/**
 * imapflow options for one short-lived session of `account`.
 *
 * Every option here either protects the credentials or saves a round trip:
 * - `auth.loginMethod: 'LOGIN'`: one LOGIN command instead of AUTHENTICATE
 *   PLAIN and its continuation (the channel is already TLS).
 * - `disableCompression`, `disableAutoEnable`, `disableAutoIdle`: no COMPRESS,
 *   no ENABLE and no IDLE. Nothing on the read path needs CONDSTORE enabled:
 *   HIGHESTMODSEQ comes from STATUS, which works without ENABLE (RFC 7162 §3.1.8).
 * - `doSTARTTLS: true` with `tls: 'starttls'` makes a server that does not
 *   offer STARTTLS an error rather than a plaintext login.
 *
 * @throws ConfigurationError for `tls: 'none'` without `allowPlaintext`, or no credential
 *   (an OAuth2 account without `credentials.accessToken`).
 */
export function buildClientOptions(
  account: Account,
  logger: Logger,
  credentials: LoginCredentials = {},
): ImapFlowOptions {
  if (account.tls === 'none' && account.allowPlaintext !== true) {
    throw new ConfigurationError(`Account ${account.id}: tls "none" needs allowPlaintext: true.`);
  }
  if (account.oauth2 && credentials.accessToken === undefined) {
    throw new ConfigurationError(`Account ${account.id}: no OAuth2 access token for the login.`);
  }
  const auth = account.oauth2
    ? { user: account.user, accessToken: credentials.accessToken }
    : account.password
      ? { user: account.user, pass: account.password, loginMethod: 'LOGIN' }
      : undefined;
  if (!auth) throw new ConfigurationError(`Account ${account.id}: no password or oauth2 credential.`);
  const tlsOptions = account.tlsOptions ?? {};
  return {
    host: account.host,
    port: account.port,
    secure: account.tls === 'implicit',
    doSTARTTLS: account.tls === 'starttls' ? true : account.tls === 'none' ? false : undefined,
    servername: tlsOptions.servername,
    tls: {
      minVersion: 'TLSv1.2',
      ...(tlsOptions.ca !== undefined ? { ca: tlsOptions.ca } : {}),
      ...(tlsOptions.servername !== undefined ? { servername: tlsOptions.servername } : {}),
      ...(tlsOptions.rejectUnauthorized !== undefined
        ? { rejectUnauthorized: tlsOptions.rejectUnauthorized }
        : {}),
    },
    auth,
    clientInfo: { name: 'mailgate' },
    disableCompression: true,
    disableAutoEnable: true,
    disableAutoIdle: true,
    // BINARY re-encodes or refuses broken parts; attachments are fetched raw and decoded here.
    disableBinary: true,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: GREETING_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
    // The same bounds as the pipelining socket's scanner: imapflow's defaults (1-2 GB) are no bound at all.
    maxLineLength: MAX_LINE_BYTES,
    maxLiteralSize: MAX_LITERAL_BYTES,
    maxResponseSize: MAX_RESPONSE_BYTES,
    maxResponseTokens: MAX_RESPONSE_TOKENS,
    logger: createImapLogSink(logger),
  };
}
