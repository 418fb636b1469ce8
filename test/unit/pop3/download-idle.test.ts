import { afterEach, describe, expect, it } from 'vitest';
import type { Account } from '../../../lib/credentials/account.js';
import { DownloadStalledError } from '../../../lib/mail/download-idle.js';
import { encodePop3MessageId } from '../../../lib/mail/ids.js';
import { silentLogger } from '../../../lib/mail/logger.js';
import type { MailboxRef } from '../../../lib/mail/types.js';
import { createPop3StoreFactory, type Pop3MailStore } from '../../../lib/pop3/index.js';
import { type FakePop3Server, startFakePop3Server } from '../../support/fake-pop3-server.js';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';

/**
 * A POP3 raw download streams after the headers, outside the request
 * deadline, and the connection's silence timer restarts on every byte: a
 * server trickling a byte at a time kept it open for minutes. It must make
 * progress (DownloadIdleOptions) or end, closing the session.
 */
const INBOX: MailboxRef = { kind: 'role', role: 'inbox' };
let server: FakePop3Server | undefined;
let store: Pop3MailStore | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await store?.close();
  await proxy?.close();
  await server?.close();
  server = undefined;
  proxy = undefined;
});

const raw = Buffer.concat([
  Buffer.from('Subject: slow\r\n\r\n'),
  Buffer.alloc(50_000, 'x'),
  Buffer.from('\r\n'),
]);

function openStore(port = server!.port): Pop3MailStore {
  const account = {
    id: 'pop',
    protocol: 'pop3',
    host: '127.0.0.1',
    port,
    tls: 'none',
    allowPlaintext: true,
    user: 'alice',
    password: 'secret',
  } as Account;
  const factory = createPop3StoreFactory({
    commandTimeoutMs: 5_000,
    downloadIdle: { idleMs: 300, minBytes: 4096 },
  });
  store = factory.open(account, {
    signal: new AbortController().signal,
    logger: silentLogger,
  }) as Pop3MailStore;
  return store;
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<number> {
  let bytes = 0;
  for await (const chunk of body) bytes += chunk.length;
  return bytes;
}

describe('a POP3 raw download that makes no progress', () => {
  it('a server trickling 2 KB/s (a byte every few ms, so its silence timer never fires) is ended after idleMs and its socket closed', async () => {
    server = await startFakePop3Server({ messages: [{ uid: 'slow', raw }] });
    proxy = await startFaultProxy({
      target: { host: '127.0.0.1', port: server.port },
      protocol: 'pop3',
      trickle: { bytesPerTick: 20, intervalMs: 10 },
    });
    const download = await openStore(proxy.port).openRaw(INBOX, encodePop3MessageId('slow'));
    const started = Date.now();
    const outcome = await Promise.race([
      drain(download.body).then(
        (bytes) => ({ bytes }),
        (error: unknown) => ({ error }),
      ),
      new Promise((resolve) => setTimeout(() => resolve('pending'), 5_000)),
    ]);
    expect(outcome).toMatchObject({ error: expect.any(DownloadStalledError) });
    expect((outcome as { error: DownloadStalledError }).error.side).toBe('server');
    expect(Date.now() - started).toBeLessThan(5_000);
    await server.sessions[0]!.closed;
  });

  it('a message that arrives at a normal pace is passed on whole', async () => {
    server = await startFakePop3Server({ messages: [{ uid: 'slow', raw }] });
    const download = await openStore().openRaw(INBOX, encodePop3MessageId('slow'));
    expect(await drain(download.body)).toBe(raw.length);
  });
});
