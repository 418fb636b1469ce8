import { describe, expect, it } from 'vitest';
import { MessageNotFoundError, UpstreamThrottledError } from '../../../lib/mail/errors.js';
import { mapPop3Error } from '../../../lib/pop3/map-error.js';
import { Pop3Error, type Pop3FailureKind, type Pop3Phase } from '../../../lib/pop3/pop3-error.js';

function failure(kind: Pop3FailureKind, phase: Pop3Phase, command: string | null, code: string | null) {
  return new Pop3Error(kind, 'x', { phase, command, responseCode: code });
}

describe('mapPop3Error', () => {
  it.each([
    [failure('rejected', 'auth', 'PASS', null), 'upstream_auth_failed'],
    [failure('rejected', 'auth', 'AUTH', 'AUTH'), 'upstream_auth_failed'],
    [failure('rejected', 'transaction', 'STAT', 'AUTH'), 'upstream_auth_failed'],
    [failure('rejected', 'auth', 'PASS', 'IN-USE'), 'upstream_throttled'],
    [failure('rejected', 'auth', 'PASS', 'LOGIN-DELAY'), 'upstream_throttled'],
    [failure('rejected', 'auth', 'PASS', 'SYS/TEMP'), 'upstream_throttled'],
    [failure('rejected', 'auth', 'PASS', 'SYS/PERM'), 'upstream_unavailable'],
    [failure('rejected', 'greeting', null, null), 'upstream_unavailable'],
    [failure('rejected', 'transaction', 'RETR', null), 'message_not_found'],
    [failure('rejected', 'transaction', 'DELE', null), 'message_not_found'],
    [failure('rejected', 'transaction', 'QUIT', null), 'upstream_unavailable'],
    [failure('timeout', 'transaction', 'RETR', null), 'upstream_timeout'],
    [failure('aborted', 'auth', null, null), 'upstream_timeout'],
    [failure('closed', 'transaction', null, null), 'upstream_unavailable'],
    [failure('connect', 'connect', null, null), 'upstream_unavailable'],
    [failure('tls_unavailable', 'tls', null, null), 'upstream_unavailable'],
    [failure('protocol', 'transaction', null, null), 'upstream_unavailable'],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'upstream_unavailable'],
  ])('%o → %s', (error, code) => {
    expect(mapPop3Error(error).code).toBe(code);
  });

  it('passes domain errors through unchanged', () => {
    const error = new MessageNotFoundError();
    expect(mapPop3Error(error)).toBe(error);
  });

  it('uses the LOGIN-DELAY the server advertised as the retry hint', () => {
    const error = new Pop3Error('rejected', 'x', {
      phase: 'auth',
      responseCode: 'LOGIN-DELAY',
      retryAfter: 900,
    });
    expect(mapPop3Error(error)).toMatchObject({ retryAfter: 900 });
    expect(mapPop3Error(error)).toBeInstanceOf(UpstreamThrottledError);
  });
});
