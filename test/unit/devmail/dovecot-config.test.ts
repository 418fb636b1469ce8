import { describe, expect, test } from 'vitest';
import {
  type DovecotConfigInput,
  renderDovecotConfig,
  renderOAuth2PassdbConfig,
} from '../../../lib/devmail/dovecot-config.js';

function buildInput(overrides: Partial<DovecotConfigInput> = {}): DovecotConfigInput {
  return {
    stateDir: '/state',
    ports: { imap: 1143, imaps: 1993, pop3: 1110, pop3s: 1995 },
    certFile: '/state/cert.pem',
    keyFile: '/state/key.pem',
    usersFile: '/state/users',
    mailUid: 999,
    mailGid: 999,
    internalUser: 'dovecot',
    loginUser: 'dovenull',
    chrootLogin: true,
    ...overrides,
  };
}

/** The passdb blocks, each as its lines trimmed. */
function passdbs(config: string): string[][] {
  return [...config.matchAll(/^passdb \{\n([\s\S]*?)\n\}/gm)].map((m) =>
    m[1]!.split('\n').map((l) => l.trim()),
  );
}

describe('renderDovecotConfig', () => {
  test('without an introspection URL: passwords only, as the demo has always had it', () => {
    const config = renderDovecotConfig(buildInput());
    expect(config).toMatch(/^auth_mechanisms = plain login$/m);
    expect(passdbs(config)).toEqual([
      ['driver = passwd-file', 'args = scheme=PLAIN username_format=%u /state/users'],
    ]);
    expect(config).not.toMatch(/oauth/i);
  });

  test('with one: the bearer mechanisms go to the oauth2 passdb only, passwords to the passwd-file only', () => {
    const config = renderDovecotConfig(buildInput({ oauth2ConfigFile: '/state/dovecot-oauth2.conf.ext' }));
    expect(config).toMatch(/^auth_mechanisms = plain login xoauth2 oauthbearer$/m);
    expect(passdbs(config)).toEqual([
      [
        'driver = passwd-file',
        'args = scheme=PLAIN username_format=%u /state/users',
        // "none": lookups without a login (doveadm's user lookup) still find the user.
        'mechanisms = plain login none',
      ],
      ['driver = oauth2', 'mechanisms = xoauth2 oauthbearer', 'args = /state/dovecot-oauth2.conf.ext'],
    ]);
  });
});

describe('renderOAuth2PassdbConfig', () => {
  test('RFC 7662 introspection by POST; the token must be active and name the user logging in', () => {
    expect(renderOAuth2PassdbConfig('http://127.0.0.1:4000/introspect').split('\n')).toEqual([
      'introspection_mode = post',
      'introspection_url = http://127.0.0.1:4000/introspect',
      'username_attribute = username',
      'active_attribute = active',
      'active_value = true',
      '',
    ]);
  });

  test('refuses a URL that would smuggle in another setting', () => {
    expect(() => renderOAuth2PassdbConfig('http://127.0.0.1/\nintrospection_mode = get')).toThrow();
  });
});
