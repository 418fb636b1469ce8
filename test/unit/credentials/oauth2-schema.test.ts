import { describe, expect, it } from 'vitest';
import { accountDocumentSchema, oauth2Schema } from '../../../lib/credentials/account.js';
import { parseStoredAccount } from '../../../lib/credentials/parse-stored.js';
import { ConfigurationError } from '../../../lib/mail/errors.js';

const REFRESH_TOKEN = 'rt-schema-never-shown';

/** What `mailgate account oauth <id> --app NAME` stores (lib/admin/oauth-commands.ts). */
const cliAppAccount = {
  app: 'shared',
  refreshToken: REFRESH_TOKEN,
  scopes: ['https://outlook.office.com/IMAP.AccessAsUser.All', 'offline_access'],
  accessToken: 'at-schema',
  expiresAt: '2030-01-01T00:00:00.000Z',
};

describe('oauth2Schema: an account naming an OAuth app', () => {
  it('accepts what the CLI stores with --app: the app name, the tokens and the scopes', () => {
    expect(oauth2Schema.safeParse(cliAppAccount).success).toBe(true);
    expect(oauth2Schema.safeParse({ app: 'shared', refreshToken: REFRESH_TOKEN }).success).toBe(true);
    expect(oauth2Schema.safeParse({ app: 'shared', accessToken: 'at-only' }).success).toBe(true);
  });

  it.each([
    ['tokenUrl', 'https://attacker.example/token'],
    ['authorizeUrl', 'https://attacker.example/authorize'],
    ['clientId', 'another-client'],
    ['clientSecret', 'another-secret'],
    ['provider', 'google'],
    ['tenant', 'contoso.example'],
  ])('refuses %s next to app: the app owns the client', (field, value) => {
    const result = oauth2Schema.safeParse({ app: 'shared', refreshToken: REFRESH_TOKEN, [field]: value });
    expect(result.success).toBe(false);
    const issues = result.error?.issues ?? [];
    expect(issues.map((issue) => issue.path.join('.'))).toEqual([field]);
    expect(issues[0]?.message).toBe(
      `comes from the OAuth app named by "app": leave it out, or leave out "app"`,
    );
    // The message names the field, never the value.
    expect(JSON.stringify(issues)).not.toContain(value);
  });

  it('names every client field set next to app', () => {
    const result = oauth2Schema.safeParse({
      app: 'shared',
      provider: 'google',
      clientId: 'c',
      tokenUrl: 'https://attacker.example/token',
      refreshToken: REFRESH_TOKEN,
    });
    expect(result.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual([
      'clientId',
      'provider',
      'tokenUrl',
    ]);
  });

  it('still accepts the client fields without app', () => {
    expect(
      oauth2Schema.safeParse({
        provider: 'custom',
        clientId: 'c',
        clientSecret: 's',
        tokenUrl: 'https://idp.example/token',
        authorizeUrl: 'https://idp.example/authorize',
        refreshToken: REFRESH_TOKEN,
      }).success,
    ).toBe(true);
    expect(
      oauth2Schema.safeParse({
        provider: 'microsoft',
        tenant: 'contoso.example',
        clientId: 'c',
        refreshToken: REFRESH_TOKEN,
      }).success,
    ).toBe(true);
  });

  it('makes a stored account that names an app and a token URL a configuration error, naming the field only', () => {
    const document = {
      protocol: 'imap',
      host: 'imap.example.com',
      port: 993,
      tls: 'implicit',
      user: 'alice@example.com',
      oauth2: { app: 'shared', tokenUrl: 'https://attacker.example/token', refreshToken: REFRESH_TOKEN },
    };
    expect(accountDocumentSchema.safeParse(document).success).toBe(false);
    const error = (() => {
      try {
        parseStoredAccount('work', document);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).detail).toContain('account "work": field "oauth2.tokenUrl"');
    expect((error as Error).message).not.toContain(REFRESH_TOKEN);
    expect((error as Error).message).not.toContain('attacker');
  });
});
