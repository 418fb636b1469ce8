import { chmod, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  type LocalWebhookStore,
  openLocalWebhookStore,
  WebhookStoreError,
  WebhookStoreLockedError,
} from '../../../lib/webhooks/local-store/index.js';
import { startStoreProcess } from './local-store-process.js';
import { describeWebhookRepositoryContract } from './repository-contract.js';
import { buildCreated, buildNewWebhook } from './store-builders.js';

const temporary = () => mkdtemp(join(tmpdir(), 'mailgate-webhooks-'));

describeWebhookRepositoryContract('LocalWebhookStore', async ({ now }) => {
  const root = await temporary();
  const directory = join(root, 'webhooks');
  let store = await openLocalWebhookStore({ directory, now });
  return {
    repository: store,
    async reopen() {
      await store.close();
      store = await openLocalWebhookStore({ directory, now });
      return store;
    },
    async dispose() {
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});

// The contract again with a log small enough that nearly every call compacts it.
describeWebhookRepositoryContract('LocalWebhookStore compacting at every write', async ({ now }) => {
  const root = await temporary();
  let store = await openLocalWebhookStore({ directory: root, now, compactAtBytes: 1 });
  return {
    repository: store,
    async reopen() {
      await store.close();
      store = await openLocalWebhookStore({ directory: root, now, compactAtBytes: 1 });
      return store;
    },
    async dispose() {
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});

describe('LocalWebhookStore: the directory', () => {
  let root: string;
  let open: LocalWebhookStore[];
  beforeEach(async () => {
    root = await temporary();
    open = [];
  });
  afterEach(async () => {
    for (const store of open) await store.close().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });
  const openStore = async (directory: string, compactAtBytes?: number) => {
    const store = await openLocalWebhookStore({ directory, ...(compactAtBytes ? { compactAtBytes } : {}) });
    open.push(store);
    return store;
  };

  test('is created 0700 with its parents, and every file in it is 0600 (they hold signing secrets)', async () => {
    const directory = join(root, '.mailgate', 'webhooks');
    const store = await openStore(directory, 2000);
    const { id } = await store.create(buildNewWebhook());
    for (let n = 1; n <= 20; n += 1) {
      await store.commitChanges(id, 'INBOX', {
        expectedState: n === 1 ? null : `s${n - 1}`,
        nextState: `s${n}`,
        events: [buildCreated(n)],
      });
    }
    const names = await readdir(directory);
    expect(names).toEqual(expect.arrayContaining(['lock', 'snapshot.jsonl']));
    expect(names.some((name) => /^wal\.[1-9]\d*\.jsonl$/.test(name))).toBe(true);
    expect((await stat(directory)).mode & 0o777).toBe(0o700);
    expect((await stat(join(root, '.mailgate'))).mode & 0o777).toBe(0o700);
    for (const name of names)
      expect([name, (await stat(join(directory, name))).mode & 0o777]).toEqual([name, 0o600]);
  });

  test('an existing directory open to others is narrowed to 0700', async () => {
    await mkdir(join(root, 'wide'));
    await chmod(join(root, 'wide'), 0o755);
    await openStore(join(root, 'wide'));
    expect((await stat(join(root, 'wide'))).mode & 0o777).toBe(0o700);
  });
});

describe('LocalWebhookStore: one process at a time', () => {
  let root: string;
  beforeEach(async () => {
    root = await temporary();
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('a second open in this process fails clearly until the first is closed', async () => {
    const first = await openLocalWebhookStore({ directory: root });
    await expect(openLocalWebhookStore({ directory: root })).rejects.toThrow(
      /open in another process \(this process already has it open\)/,
    );
    await first.close();
    const again = await openLocalWebhookStore({ directory: root });
    await again.close();
    expect(await readdir(root)).not.toContain('lock');
  });

  test('another live process holding it is refused, by pid; once it is killed, its lock is taken over', async () => {
    const holder = startStoreProcess(['hold', root]);
    try {
      await holder.waitFor((line) => line === 'ready');
      const refused = openLocalWebhookStore({ directory: root });
      await expect(refused).rejects.toThrow(WebhookStoreLockedError);
      await expect(refused).rejects.toThrow(`pid ${holder.child.pid}`);
    } finally {
      holder.child.kill('SIGKILL');
      await holder.exited;
    }
    const store = await openLocalWebhookStore({ directory: root });
    expect(await store.list('acme')).toEqual([]);
    await store.close();
  });

  test('a compaction threshold that is not a positive number of bytes is refused before anything is opened', async () => {
    for (const compactAtBytes of [0, -1, 1.5, Number.NaN]) {
      await expect(openLocalWebhookStore({ directory: join(root, 'x'), compactAtBytes })).rejects.toThrow(
        RangeError,
      );
    }
    expect(await readdir(root)).toEqual([]);
  });

  test('after close every call is refused rather than silently lost', async () => {
    const store = await openLocalWebhookStore({ directory: root });
    const { id } = await store.create(buildNewWebhook());
    await store.close();
    await expect(store.create(buildNewWebhook())).rejects.toThrow(WebhookStoreError);
    await expect(
      store.commitChanges(id, 'INBOX', { expectedState: null, nextState: 's1', events: [] }),
    ).rejects.toThrow(/closed/);
    await expect(store.get('acme', id)).rejects.toThrow(/closed/);
  });
});
