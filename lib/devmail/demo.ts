import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCredentialStore } from '../credentials/file-store.js';
import { demoMessages } from './demo-messages.js';
import { startDovecot } from './dovecot.js';
import { ensureDovecotInstalled } from './install.js';
import { seedMessages } from './seed.js';

export interface Demo {
  /** The credential file holding the demo accounts and token. */
  accountsFile: string;
  /** A write token for the demo accounts, shown once at start. */
  token: string;
  accountIds: string[];
  stop(): Promise<void>;
}

/**
 * The demo: a private Dovecot on loopback seeded with a few dozen varied
 * messages, an IMAP account `demo` and a POP3 account `demo-pop3` on the same
 * mailbox, and a fresh write token, all in a temporary credential file.
 */
export async function startDemo(log: (line: string) => void): Promise<Demo> {
  ensureDovecotInstalled(log);
  const dir = await mkdtemp(join(tmpdir(), 'mailgate-demo-'));
  // Dovecot's unprivileged processes must traverse into its state directory below this one.
  await chmod(dir, 0o755);
  const user = { user: 'demo', password: `demo-${Math.random().toString(36).slice(2, 12)}` };
  const dovecot = await startDovecot({ users: [user], stateDir: join(dir, 'dovecot') });
  try {
    const target = { host: dovecot.host, port: dovecot.ports.imaps, caCert: dovecot.caCert, ...user };
    const byMailbox = new Map<string, ReturnType<typeof demoMessages>[number]['message'][]>();
    for (const { mailbox, message } of demoMessages()) {
      byMailbox.set(mailbox, [...(byMailbox.get(mailbox) ?? []), message]);
    }
    for (const [mailbox, messages] of byMailbox) await seedMessages(target, mailbox, messages);

    const accountsFile = join(dir, 'accounts.json');
    const store = new FileCredentialStore({ path: accountsFile });
    const common = {
      host: dovecot.host,
      user: user.user,
      password: user.password,
      tlsOptions: { ca: dovecot.caCert },
    };
    await store.putAccount('demo', {
      protocol: 'imap',
      port: dovecot.ports.imaps,
      tls: 'implicit',
      ...common,
    });
    await store.putAccount('demo-pop3', {
      protocol: 'pop3',
      port: dovecot.ports.pop3s,
      tls: 'implicit',
      ...common,
    });
    const { token } = await store.createToken({
      accounts: ['demo', 'demo-pop3'],
      scope: 'write',
      label: 'demo',
    });
    return {
      accountsFile,
      token,
      accountIds: ['demo', 'demo-pop3'],
      async stop() {
        await dovecot.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await dovecot.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
