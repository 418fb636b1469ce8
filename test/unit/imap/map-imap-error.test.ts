import { describe, expect, test } from 'vitest';
import { ImapRefusal } from '../../../lib/imap/session/imap-refusal.js';
import { isLoginRefusal, mapImapError } from '../../../lib/imap/session/map-imap-error.js';
import { MailboxNotFoundError, UpstreamThrottledError } from '../../../lib/mail/errors.js';

function imapError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

describe('mapImapError', () => {
  test.each([
    [
      'bad password',
      imapError('Authentication failed', {
        authenticationFailed: true,
        serverResponseCode: 'AUTHENTICATIONFAILED',
      }),
      'upstream_auth_failed',
    ],
    [
      'AUTHORIZATIONFAILED code alone',
      imapError('Command failed', { serverResponseCode: 'AUTHORIZATIONFAILED' }),
      'upstream_auth_failed',
    ],
    [
      'a server offering no OAuth2 mechanism (imapflow refuses to send the token)',
      new Error('Unsupported authentication mechanism'),
      'upstream_auth_failed',
    ],
    [
      'mailbox missing on open',
      imapError('Command failed', { mailboxMissing: true, responseStatus: 'NO' }),
      'mailbox_not_found',
    ],
    [
      'status of a missing mailbox',
      imapError("Mailbox doesn't exist: X", { code: 'NotFound' }),
      'mailbox_not_found',
    ],
    [
      'NONEXISTENT response code',
      imapError('Command failed', { serverResponseCode: 'NONEXISTENT' }),
      'mailbox_not_found',
    ],
    [
      'connection refused',
      imapError('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }),
      'upstream_unavailable',
    ],
    ['DNS failure', imapError('getaddrinfo EAI_AGAIN', { code: 'EAI_AGAIN' }), 'upstream_unavailable'],
    [
      'untrusted certificate',
      imapError('self-signed certificate', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
      'upstream_unavailable',
    ],
    [
      'certificate of another host',
      imapError('altname', { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }),
      'upstream_unavailable',
    ],
    [
      'no STARTTLS offered',
      imapError('Server does not support STARTTLS', { tlsFailed: true }),
      'upstream_unavailable',
    ],
    [
      'connection lost',
      imapError('Connection not available', { code: 'NoConnection' }),
      'upstream_unavailable',
    ],
    ['garbled response', imapError('Unexpected char', { code: 'ParserError4' }), 'upstream_unavailable'],
    ['command rejected', imapError('Command failed', { responseStatus: 'BAD' }), 'upstream_unavailable'],
    ['connect timeout', imapError('Timeout', { code: 'CONNECT_TIMEOUT' }), 'upstream_timeout'],
    ['greeting timeout', imapError('No greeting', { code: 'GREETING_TIMEOUT' }), 'upstream_timeout'],
    ['socket idle timeout', imapError('Socket timeout', { code: 'ETIMEOUT' }), 'upstream_timeout'],
    [
      '[UNAVAILABLE]',
      imapError('Command failed', { serverResponseCode: 'UNAVAILABLE', responseStatus: 'NO' }),
      'upstream_throttled',
    ],
    [
      '[LIMIT]',
      imapError('Command failed', { serverResponseCode: 'LIMIT', responseStatus: 'NO' }),
      'upstream_throttled',
    ],
    [
      'too many connections (BYE)',
      imapError('Connection not available', {
        code: 'NoConnection',
        reason: 'Maximum number of connections from user+IP exceeded (mail_max_userip_connections=10)',
      }),
      'upstream_throttled',
    ],
    [
      'a bug in our code',
      new TypeError("Cannot read properties of undefined (reading 'uid')"),
      'internal_error',
    ],
  ])('%s → %s', (_name, error, code) => {
    const mapped = mapImapError(error);
    expect(mapped.code).toBe(code);
    // A refusal's cause is an ImapRefusal (the server's words, for the log) around the original.
    expect(mapped.cause instanceof ImapRefusal ? mapped.cause.cause : mapped.cause).toBe(error);
  });

  test('details are fixed sentences: no server text or credentials reach the client', () => {
    const error = imapError('Command failed', {
      responseStatus: 'NO',
      responseText: 'secret-password rejected for alice',
      executedCommand: '2 LOGIN alice secret-password',
    });
    expect(mapImapError(error).detail).not.toMatch(/secret|alice|LOGIN/);
  });

  test('throttling carries the server back-off in seconds', () => {
    const mapped = mapImapError(imapError('Throttled', { code: 'ETHROTTLE', throttleReset: 92_415 }));
    expect(mapped).toBeInstanceOf(UpstreamThrottledError);
    expect((mapped as UpstreamThrottledError).retryAfter).toBe(93);
  });

  test.each([
    [
      'a refused LOGIN or AUTHENTICATE',
      imapError('Authentication failed', { authenticationFailed: true }),
      true,
    ],
    ['an RFC 5530 EXPIRED code', imapError('Command failed', { serverResponseCode: 'EXPIRED' }), true],
    ['no OAuth2 mechanism offered', new Error('Unsupported authentication mechanism'), false],
    ['a lost connection', imapError('Connection not available', { code: 'NoConnection' }), false],
    ['not an error', 'Authentication failed', false],
  ])(
    'isLoginRefusal: %s → %s (a refreshed OAuth2 token may pass only after a refusal)',
    (_name, error, refusal) => {
      expect(isLoginRefusal(error)).toBe(refusal);
    },
  );

  test('the missing-mechanism answer says what the server lacks, never the credentials', () => {
    const mapped = mapImapError(new Error('Unsupported authentication mechanism'));
    expect(mapped.detail).toMatch(/XOAUTH2 or OAUTHBEARER/);
  });

  test('domain errors pass through unchanged', () => {
    const error = new MailboxNotFoundError();
    expect(mapImapError(error)).toBe(error);
  });
});
