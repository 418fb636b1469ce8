import type { AccountDocument } from '../../lib/credentials/account.js';

/**
 * The stored document of an account on a fake server on loopback:
 * plaintext (allowed there, as nothing leaves the machine), alice/secret.
 */
export function fakeServerAccount(protocol: 'imap' | 'pop3', port: number): AccountDocument {
  return {
    protocol,
    host: '127.0.0.1',
    port,
    tls: 'none',
    allowPlaintext: true,
    user: 'alice',
    password: 'secret',
  };
}
