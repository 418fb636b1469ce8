import type { AccountDocument } from '../../../lib/credentials/account.js';

/** A valid IMAP account document; the password is distinctive so tests can look for leaks. */
export function buildAccountDocument(overrides: Partial<AccountDocument> = {}): AccountDocument {
  return {
    protocol: 'imap',
    host: '127.0.0.1',
    port: 993,
    tls: 'implicit',
    user: 'alice',
    password: 'S3cret-Pa55word-never-shown',
    ...overrides,
  };
}
