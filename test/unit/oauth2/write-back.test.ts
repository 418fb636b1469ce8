import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Account, AccountDocument } from '../../../lib/credentials/account.js';
import { FileCredentialStore } from '../../../lib/credentials/file-store.js';
import { createLogger } from '../../../lib/log/create-logger.js';
import { createTokenManager } from '../../../lib/oauth2/create-token-manager.js';
import { type FakeIdp, startFakeIdp } from '../../support/fake-idp/index.js';

let idp: FakeIdp;
let dir: string;
let path: string;

beforeAll(async () => {
  idp = await startFakeIdp();
});

afterAll(async () => {
  await idp.close();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailgate-write-back-'));
  path = join(dir, 'accounts.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const never = () => new AbortController().signal;

/** A strictly rotating client, an account consented for it in a file store, and the local server's wiring. */
async function setup() {
  const clientId = `wb-${randomBytes(6).toString('hex')}`;
  await idp.control.configureClient({ clientId, rotateRefreshTokens: true });
  const grant = await idp.control.grant({ clientId, user: 'alice@example.test' });
  const document: AccountDocument = {
    protocol: 'imap',
    host: '127.0.0.1',
    port: 993,
    tls: 'implicit',
    user: 'alice@example.test',
    oauth2: {
      provider: 'custom',
      clientId,
      tokenUrl: idp.control.tokenUrl,
      refreshToken: grant.refreshToken,
      accessToken: grant.accessToken,
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    },
  };
  const store = new FileCredentialStore({ path });
  await store.putAccount('work', document);
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  const manager = () =>
    createTokenManager({ credentials: store, logger, writeBack: store, allowLoopbackHttp: true });
  const account = async (): Promise<Account> => (await store.getAccount('work'))!;
  return {
    clientId,
    grant,
    document,
    store,
    logs,
    manager,
    account,
    stats: () => idp.control.stats(clientId),
  };
}

const storedOAuth2 = async () => JSON.parse(await readFile(path, 'utf8')).accounts.work.oauth2;

describe('write-back of refreshed tokens to the file store', () => {
  it('persists a rotated refresh token and the new access token; a restart refreshes nothing', async () => {
    const t = await setup();
    const token = await t.manager().accessToken(await t.account(), never());

    const stored = await storedOAuth2();
    const [live] = (await t.stats()).liveRefreshTokens;
    expect(live).not.toBe(t.grant.refreshToken);
    expect(stored).toEqual({
      ...t.document.oauth2,
      refreshToken: live,
      accessToken: token,
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(Date.parse(stored.expiresAt)).toBeGreaterThan(Date.now() + 3500 * 1000);

    // A new process (restart) takes the stored token as it is.
    expect(await t.manager().accessToken(await t.account(), never())).toBe(token);
    expect((await t.stats()).refreshGrants).toBe(1);

    // A refusal in the new process refreshes with the rotated refresh token (the original one is dead).
    const restarted = t.manager();
    const retry = await restarted.afterRefusal(await t.account(), token, never());
    expect(retry).toMatch(/^at_/);
    expect((await storedOAuth2()).accessToken).toBe(retry);
    expect((await t.stats()).refreshGrants).toBe(2);
  });

  it('leaves an account re-consented during the refresh alone, and says so in the log', async () => {
    const t = await setup();
    const before = await t.account();
    const again = await idp.control.grant({ clientId: t.clientId, user: 'alice@example.test' });
    const reconsented: AccountDocument = {
      ...t.document,
      oauth2: { ...t.document.oauth2, refreshToken: again.refreshToken, accessToken: again.accessToken },
    };
    await t.store.putAccount('work', reconsented);

    // The request read the account before the re-consent landed.
    expect(await t.manager().accessToken(before, never())).toMatch(/^at_/);
    expect(await storedOAuth2()).toEqual(reconsented.oauth2);
    expect(t.logs.some((line) => line.includes('not written back'))).toBe(true);
  });
});
