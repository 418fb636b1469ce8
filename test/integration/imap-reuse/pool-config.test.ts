import { describe, expect, test } from 'vitest';
import { poolOptionsFromEnv } from '../../../lib/imap/pool/pool-config.js';
import { ConfigurationError } from '../../../lib/mail/errors.js';

describe('connection reuse settings', () => {
  test('on by default for the local server, off by default elsewhere', () => {
    expect(poolOptionsFromEnv({}, 'on')).toEqual({
      idleMs: 5_000,
      maxIdlePerAccount: 8,
      maxPerAccount: 8,
      reservedPerAccount: 2,
      maxWaitingPerAccount: 64,
      firstReplyMs: 3_000,
    });
    expect(poolOptionsFromEnv({}, 'off')).toBeNull();
  });

  test('MAILGATE_IMAP_REUSE and the limits override the defaults', () => {
    expect(poolOptionsFromEnv({ MAILGATE_IMAP_REUSE: 'off' }, 'on')).toBeNull();
    expect(
      poolOptionsFromEnv(
        {
          MAILGATE_IMAP_REUSE: 'ON',
          MAILGATE_IMAP_IDLE_MS: '2000',
          MAILGATE_IMAP_MAX_PER_ACCOUNT: '15',
          MAILGATE_IMAP_RESERVED_PER_ACCOUNT: '3',
          MAILGATE_IMAP_MAX_WAITING_PER_ACCOUNT: '10',
          MAILGATE_IMAP_FIRST_REPLY_MS: '0',
        },
        'off',
      ),
    ).toEqual({
      idleMs: 2_000,
      maxIdlePerAccount: 15,
      maxPerAccount: 15,
      reservedPerAccount: 3,
      maxWaitingPerAccount: 10,
      firstReplyMs: 0,
    });
  });

  test('every connection within the cap may be kept idle unless fewer are asked for', () => {
    const kept = (env: Record<string, string>) => poolOptionsFromEnv(env, 'on')?.maxIdlePerAccount;
    expect(kept({ MAILGATE_IMAP_MAX_PER_ACCOUNT: '12' })).toBe(12);
    expect(kept({ MAILGATE_IMAP_MAX_IDLE_PER_ACCOUNT: '3' })).toBe(3);
    // More idle than the cap allows at once is the cap.
    expect(kept({ MAILGATE_IMAP_MAX_IDLE_PER_ACCOUNT: '20', MAILGATE_IMAP_MAX_PER_ACCOUNT: '6' })).toBe(6);
  });

  test('a malformed value is a configuration error, not a silent default', () => {
    expect(() => poolOptionsFromEnv({ MAILGATE_IMAP_REUSE: 'yes' }, 'on')).toThrow(ConfigurationError);
    expect(() => poolOptionsFromEnv({ MAILGATE_IMAP_IDLE_MS: '5s' }, 'on')).toThrow(ConfigurationError);
  });
});
