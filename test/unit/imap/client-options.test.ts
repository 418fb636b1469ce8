import { describe, expect, test } from 'vitest';
import type { Account } from '../../../lib/credentials/account.js';
import { buildClientOptions } from '../../../lib/imap/session/client-options.js';
import {
  MAX_LINE_BYTES,
  MAX_LITERAL_BYTES,
  MAX_RESPONSE_BYTES,
  MAX_RESPONSE_TOKENS,
} from '../../../lib/imap/wire/wire-limits.js';
import { silentLogger } from '../../../lib/mail/logger.js';

function buildAccount(overrides: Partial<Account> = {}): Account {
  return {
    id: 'acct',
    protocol: 'imap',
    host: '127.0.0.1',
    port: 993,
    tls: 'implicit',
    user: 'alice',
    password: 'pw',
    ...overrides,
  } as Account;
}

describe('buildClientOptions', () => {
  test('saves round trips: LOGIN, no COMPRESS, no ENABLE, no IDLE, no BINARY', () => {
    const options = buildClientOptions(buildAccount(), silentLogger);
    expect(options).toMatchObject({
      secure: true,
      auth: { user: 'alice', pass: 'pw', loginMethod: 'LOGIN' },
      disableCompression: true,
      disableAutoEnable: true,
      disableAutoIdle: true,
      disableBinary: true,
    });
    expect(options.maxLiteralSize).toBeLessThan(1024 ** 3);
  });

  test("bounds what a server can make imapflow hold, as the pipelining socket's scanner does", () => {
    const options = buildClientOptions(buildAccount(), silentLogger);
    expect(options).toMatchObject({
      maxLineLength: MAX_LINE_BYTES,
      maxLiteralSize: MAX_LITERAL_BYTES,
      maxResponseSize: MAX_RESPONSE_BYTES,
      maxResponseTokens: MAX_RESPONSE_TOKENS,
    });
    expect(MAX_RESPONSE_BYTES).toBeLessThanOrEqual(32 * 1024 * 1024);
    expect(MAX_RESPONSE_BYTES).toBeGreaterThan(MAX_LITERAL_BYTES);
  });

  test('STARTTLS is required, never optional, and TLS options reach the socket', () => {
    const options = buildClientOptions(
      buildAccount({
        tls: 'starttls',
        tlsOptions: { ca: 'PEM', servername: 'mail.example', rejectUnauthorized: true },
      }),
      silentLogger,
    );
    expect(options).toMatchObject({ secure: false, doSTARTTLS: true, servername: 'mail.example' });
    expect(options.tls).toMatchObject({ ca: 'PEM', servername: 'mail.example', rejectUnauthorized: true });
  });

  test('plaintext only with allowPlaintext', () => {
    expect(() => buildClientOptions(buildAccount({ tls: 'none' }), silentLogger)).toThrow(
      expect.objectContaining({ name: 'ConfigurationError' }),
    );
    expect(
      buildClientOptions(buildAccount({ tls: 'none', allowPlaintext: true }), silentLogger),
    ).toMatchObject({
      secure: false,
      doSTARTTLS: false,
    });
  });

  test("OAuth2 logs in with the token given for this login, never the document's stored one", () => {
    const account = buildAccount({ password: undefined, oauth2: { accessToken: 'stored' } });
    const oauth = buildClientOptions(account, silentLogger, { accessToken: 'current' });
    expect(oauth.auth).toEqual({ user: 'alice', accessToken: 'current' });
    expect(() => buildClientOptions(account, silentLogger)).toThrow(
      expect.objectContaining({ name: 'ConfigurationError' }),
    );
  });
});
