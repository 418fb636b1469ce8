import { describe, expect, test } from 'vitest';
import type { Account } from '../../../lib/credentials/account.js';
import { buildClientOptions } from '../../../lib/imap/client-options.js';
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

  test('plaintext only with allowPlaintext; OAuth2 by access token', () => {
    expect(() => buildClientOptions(buildAccount({ tls: 'none' }), silentLogger)).toThrow(
      expect.objectContaining({ name: 'ConfigurationError' }),
    );
    expect(
      buildClientOptions(buildAccount({ tls: 'none', allowPlaintext: true }), silentLogger),
    ).toMatchObject({
      secure: false,
      doSTARTTLS: false,
    });
    const oauth = buildClientOptions(
      buildAccount({ password: undefined, oauth2: { accessToken: 't' } }),
      silentLogger,
    );
    expect(oauth.auth).toEqual({ user: 'alice', accessToken: 't' });
  });
});
