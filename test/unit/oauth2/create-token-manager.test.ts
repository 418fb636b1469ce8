import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config/env.js';
import { writesBackTokens } from '../../../lib/oauth2/write-back-policy.js';

describe('writesBackTokens', () => {
  it.each([
    [{}, true],
    [{ MAILGATE_OAUTH_WRITE_BACK: 'false' }, true],
    [{ MAILGATE_STORE: 'secretsmanager' }, false],
    [{ MAILGATE_STORE: 'secretsmanager', MAILGATE_OAUTH_WRITE_BACK: 'false' }, false],
    [{ MAILGATE_STORE: 'secretsmanager', MAILGATE_OAUTH_WRITE_BACK: 'true' }, true],
  ])('%j → %s (always to the local file; to Secrets Manager only when asked)', (env, expected) => {
    expect(writesBackTokens(loadConfig(env))).toBe(expected);
  });

  it('refuses a setting that is not a boolean, naming the variable', () => {
    expect(() => loadConfig({ MAILGATE_OAUTH_WRITE_BACK: 'sometimes' })).toThrow('MAILGATE_OAUTH_WRITE_BACK');
  });
});

describe('MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP', () => {
  it('is off unless set to a true value, and refuses anything but a boolean', () => {
    expect(loadConfig({}).MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP).toBeUndefined();
    expect(
      loadConfig({ MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP: 'false' }).MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP,
    ).toBe(false);
    expect(
      loadConfig({ MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP: 'true' }).MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP,
    ).toBe(true);
    expect(() => loadConfig({ MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP: 'local' })).toThrow(
      'MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP',
    );
  });
});
