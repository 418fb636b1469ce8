import { describe, expect, it } from 'vitest';
import { createImapStoreFactory } from '../../lib/imap/index.js';
import { createLambdaDeps } from '../../lib/lambda/create-lambda-deps.js';
import { createLazyCredentialStore, createLazyTokenWriter } from '../../lib/lambda/lazy-credential-store.js';
import { createLazyStoreFactory } from '../../lib/lambda/lazy-store-factory.js';
import { ConfigurationError } from '../../lib/mail/errors.js';
import { silentLogger } from '../../lib/mail/logger.js';
import { MAIL_STORE_OPERATIONS, type MailStore, type StoreContext } from '../../lib/mail/store.js';
import { createPop3StoreFactory } from '../../lib/pop3/index.js';
import {
  buildAccount,
  buildCapabilities,
  buildMailbox,
  MemoryCredentialStore,
  MemoryMailStore,
  MemoryStoreFactory,
} from '../support/memory-store.js';
import { createOAuthMailUser } from '../support/oauth-account.js';

const context = (): StoreContext => ({ signal: new AbortController().signal, logger: silentLogger });
const inbox = { kind: 'path', path: 'INBOX' } as const;

/** A loader that counts its calls and fails while `fail` is set. */
function counted<T>(make: () => T) {
  const loader = {
    loads: 0,
    fail: undefined as Error | undefined,
    async load(): Promise<T> {
      loader.loads += 1;
      if (loader.fail) throw loader.fail;
      return make();
    },
  };
  return loader;
}

describe('createLazyStoreFactory', () => {
  it('loads the adapter on the first store call, not on open or capabilities, and only once', async () => {
    const real = new MemoryStoreFactory({
      mailboxes: [buildMailbox({ path: 'Archive' })],
      messages: [],
      downloads: {},
    });
    const loader = counted(() => real);
    const factory = createLazyStoreFactory(loader.load, () => buildCapabilities());
    const account = buildAccount();

    expect(factory.capabilities(account)).toEqual(buildCapabilities());
    const store = factory.open(account, context());
    expect(store.capabilities).toEqual(buildCapabilities());
    expect(loader.loads).toBe(0);

    const [first, second] = await Promise.all([
      store.listMailboxes({ counts: false }),
      store.getMailbox({ kind: 'path', path: 'Archive' }),
    ]);
    expect(first.map((mailbox) => mailbox.path)).toEqual(['Archive']);
    expect(second.path).toBe('Archive');
    expect(loader.loads).toBe(1);
    expect(real.calls.map((call) => call.method)).toEqual(['listMailboxes', 'getMailbox']);
    expect(real.calls[0]?.args).toEqual([{ counts: false }]);
    expect(real.opened[0]?.account).toBe(account);
  });

  it('hands out the real stores directly once the adapter is loaded', async () => {
    const real = new MemoryStoreFactory();
    const factory = createLazyStoreFactory(counted(() => real).load, () => buildCapabilities());
    await factory.open(buildAccount(), context()).listMailboxes({ counts: false });
    expect(factory.open(buildAccount(), context())).toBeInstanceOf(MemoryMailStore);
  });

  it('closes without loading anything when no call was made, and closes the real store otherwise', async () => {
    const real = new MemoryStoreFactory();
    const loader = counted(() => real);
    const factory = createLazyStoreFactory(loader.load, () => buildCapabilities());

    await factory.open(buildAccount(), context()).close();
    expect(loader.loads).toBe(0);

    const used = factory.open(buildAccount(), context());
    const message = real.data.messages[0];
    const updated = await used.updateFlags(inbox, message?.id ?? '', { add: ['\\Flagged'], remove: [] });
    expect(updated.flags).toContain('\\Flagged');
    await used.close();
    expect(real.opened[0]?.closeCount).toBe(1);
  });

  it.each(MAIL_STORE_OPERATIONS)(
    'forwards %s with its arguments and answer, untouched',
    async (operation) => {
      const answer = { answered: operation };
      const calls: Array<[string, unknown[]]> = [];
      const backing = Object.fromEntries(
        MAIL_STORE_OPERATIONS.map((name) => [
          name,
          async (...args: unknown[]) => {
            calls.push([name, args]);
            return answer;
          },
        ]),
      );
      const fake = {
        ...backing,
        capabilities: buildCapabilities(),
        close: async () => undefined,
      } as MailStore;
      const factory = createLazyStoreFactory(
        async () => ({ capabilities: () => buildCapabilities(), open: () => fake }),
        () => buildCapabilities(),
      );
      const store = factory.open(buildAccount(), context());
      const args = [{ first: 1 }, 'second', ['third']];
      const call = store[operation] as (...given: unknown[]) => Promise<unknown>;
      expect(await call.apply(store, args)).toBe(answer);
      expect(calls).toEqual([[operation, args]]);
    },
  );

  it('fails the call when loading fails, and loads again for the next one', async () => {
    const real = new MemoryStoreFactory();
    const loader = counted(() => real);
    loader.fail = new Error('chunk missing');
    const factory = createLazyStoreFactory(loader.load, () => buildCapabilities());

    await expect(factory.open(buildAccount(), context()).listMailboxes({ counts: false })).rejects.toThrow(
      'chunk missing',
    );
    loader.fail = undefined;
    const mailboxes = await factory.open(buildAccount(), context()).listMailboxes({ counts: false });
    expect(mailboxes.length).toBeGreaterThan(0);
    expect(loader.loads).toBe(2);
  });
});

describe('createLazyCredentialStore', () => {
  it('builds the store on the first lookup and forwards every read', async () => {
    const real = new MemoryCredentialStore([buildAccount({ id: 'alice' })], {
      good: { tokenId: 't1', accounts: ['alice'], scope: 'read' },
    });
    const loader = counted(() => real);
    const store = createLazyCredentialStore(loader.load);
    expect(loader.loads).toBe(0);

    expect((await store.getAccount('alice'))?.id).toBe('alice');
    expect(await store.getAccount('bob')).toBeUndefined();
    expect(await store.listAccountIds()).toEqual(['alice']);
    expect(await store.verifyToken('good')).toEqual({ tokenId: 't1', accounts: ['alice'], scope: 'read' });
    expect(await store.verifyToken('bad')).toBeUndefined();
    expect(loader.loads).toBe(1);
    expect(real.lookups).toEqual(['alice', 'bob']);
  });

  it('forwards OAuth app lookups', async () => {
    const app = { provider: 'google', clientId: 'shared-client' } as const;
    const store = createLazyCredentialStore(
      counted(() => new MemoryCredentialStore([], {}, { shared: app })).load,
    );
    expect(await store.getOAuthApp('shared')).toEqual(app);
    expect(await store.getOAuthApp('other')).toBeUndefined();
  });

  it('invalidates nothing and loads nothing before the store exists, and forwards invalidation after', async () => {
    const real = new MemoryCredentialStore();
    const loader = counted(() => real);
    const store = createLazyCredentialStore(loader.load);

    store.invalidateAccount('alice');
    expect(loader.loads).toBe(0);
    await store.listAccountIds();
    store.invalidateAccount('alice');
    expect(real.invalidated).toEqual(['alice']);
  });
});

describe('createLazyTokenWriter', () => {
  it('builds the store on the first write-back, once, and forwards the compare-and-set', async () => {
    const updates: unknown[][] = [];
    const loader = counted(() => ({
      async updateOAuth2Tokens(...args: unknown[]) {
        updates.push(args);
        return args[1] === 'rt-1';
      },
    }));
    const writer = createLazyTokenWriter(loader.load);
    expect(loader.loads).toBe(0);
    const next = { accessToken: 'at-2', expiresAt: '2030-01-01T00:00:00.000Z' };
    expect(await writer.updateOAuth2Tokens('work', 'rt-1', next)).toBe(true);
    expect(await writer.updateOAuth2Tokens('work', 'rt-0', next)).toBe(false);
    expect(loader.loads).toBe(1);
    expect(updates).toEqual([
      ['work', 'rt-1', next],
      ['work', 'rt-0', next],
    ]);
  });
});

describe('createLambdaDeps', () => {
  const env = { MAILGATE_STORE: 'secretsmanager', AWS_REGION: 'eu-west-1' };

  it('reports, before loading any adapter, the same capabilities as the real IMAP and POP3 factories', () => {
    const { stores } = createLambdaDeps({ env });
    for (const protocol of ['imap', 'pop3'] as const) {
      const account = buildAccount({ protocol });
      const real = protocol === 'imap' ? createImapStoreFactory() : createPop3StoreFactory();
      expect(stores.capabilities(account)).toEqual(real.capabilities(account));
      expect(stores.open(account, context()).capabilities).toEqual(real.capabilities(account));
    }
  });

  it('refuses the local file store: a function has no accounts file', () => {
    expect(() => createLambdaDeps({ env: { MAILGATE_STORE: 'file' } })).toThrow(ConfigurationError);
  });

  it("builds its OAuth2 token managers, the mail routes' and each verification's own, with MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP, off by default", async () => {
    const user = await createOAuthMailUser('lambda-deps');
    const expired = new Date(Date.now() - 60_000).toISOString();
    const account = user.oauthAccount({}, { expiresAt: expired });
    const before = await user.idp.stats(user.clientId);

    const refusing = createLambdaDeps({ env });
    // Nothing loaded yet: nothing to forget.
    refusing.oauthTokens?.forget(account.id);
    await expect(refusing.stores.open(account, context()).probe()).rejects.toThrow(
      'MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP',
    );
    const refusedLogin = refusing.verifier?.open(account, context());
    expect(refusedLogin?.tokens()).toBeUndefined();
    await expect(refusedLogin?.store.probe()).rejects.toThrow('MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP');
    await refusedLogin?.store.close();
    expect((await user.idp.stats(user.clientId)).tokenRequests).toBe(before.tokenRequests);

    const allowing = createLambdaDeps({ env: { ...env, MAILGATE_OAUTH_ALLOW_LOOPBACK_HTTP: 'true' } });
    const probed = await allowing.stores.open(account, context()).probe();
    expect(probed.server.capabilities.length).toBeGreaterThan(0);
    expect((await user.idp.stats(user.clientId)).refreshGrants).toBe(before.refreshGrants + 1);

    // A verification refreshes with a manager of its own: the token the mail routes hold does not answer for it.
    const login = allowing.verifier?.open(account, context());
    expect((await login?.store.probe())?.server.capabilities.length).toBeGreaterThan(0);
    await login?.store.close();
    expect((await user.idp.stats(user.clientId)).refreshGrants).toBe(before.refreshGrants + 2);
    expect(login?.tokens()?.accessToken).toMatch(/^at_/);
    allowing.oauthTokens?.forget(account.id);
  });
});
