import { describe, expect, it } from 'vitest';
import { ConfigurationError, MailgateError } from '../../lib/mail/errors.js';
import { buildTestApp, readJson, readProblem, TOKENS } from '../support/http-helpers.js';
import { buildAccount } from '../support/memory-store.js';

/** An app whose stored `beta` document is malformed (as the credential stores report one). */
function withMalformedBeta(
  failure: Error = new ConfigurationError('account "beta": field "port": expected number'),
) {
  const app = buildTestApp({ extraAccounts: [buildAccount({ id: 'gamma', user: 'carol' })] });
  const getAccount = app.credentials.getAccount.bind(app.credentials);
  app.credentials.getAccount = async (id) => {
    if (id === 'beta') throw failure;
    return getAccount(id);
  };
  return app;
}

describe('GET /v1/accounts with one malformed stored account', () => {
  it('lists the others and logs the one it skipped', async () => {
    const { request, lines } = withMalformedBeta();
    const response = await request('/v1/accounts', { token: TOKENS.writeAll });
    expect(response.status).toBe(200);
    const ids = (await readJson<Array<{ id: string }>>(response)).map((account) => account.id);
    expect(ids).toEqual(['alpha', 'gamma']);
    const skipped = lines.map((line) => JSON.parse(line)).find((entry) => entry.account === 'beta');
    expect(skipped?.level).toBe('error');
    expect(JSON.stringify(skipped)).toContain('field \\"port\\"');
  });

  it('does not change what a token that grants only the good account sees', async () => {
    const { request } = withMalformedBeta();
    const response = await request('/v1/accounts', { token: TOKENS.readAlpha });
    expect(response.status).toBe(200);
    expect((await readJson<Array<{ id: string }>>(response)).map((account) => account.id)).toEqual(['alpha']);
  });

  it('still answers 500 for the malformed account itself', async () => {
    const { request } = withMalformedBeta();
    const response = await request('/v1/accounts/beta', { token: TOKENS.writeAll });
    expect(response.status).toBe(500);
    expect((await readProblem(response)).code).toBe('internal_error');
  });

  it('still fails the list when the credential store itself cannot be read', async () => {
    const { request } = withMalformedBeta(
      new MailgateError('internal_error', 'Could not read the credential store.'),
    );
    const response = await request('/v1/accounts', { token: TOKENS.writeAll });
    expect(response.status).toBe(500);
  });
});
