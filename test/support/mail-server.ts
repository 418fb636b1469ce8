import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import type { AccountDocument } from '../../lib/credentials/account.js';
import { type SeedMessage, seedMessages } from '../../lib/devmail/seed.js';
import type { MailServerInfo } from '../global-setup.js';

const run = promisify(execFile);

export interface MailUser {
  user: string;
  password: string;
  server: MailServerInfo;
  /** An account document for this user (implicit TLS IMAP by default). */
  account(overrides?: Partial<AccountDocument>): AccountDocument;
  seed(mailbox: string, messages: SeedMessage[]): Promise<number[]>;
  doveadm(args: string[]): Promise<string>;
  /** This user's IMAP/POP3 protocol transcripts so far (Dovecot rawlog), concatenated. */
  transcripts(): Promise<string>;
}

export function mailServer(): MailServerInfo {
  return inject('mailServer');
}

/** Claims an unused pre-provisioned user; `mkdir` is atomic, so parallel test files never share one. */
async function claimUser(server: MailServerInfo): Promise<{ user: string; password: string }> {
  const claims = join(server.stateDir, 'claims');
  await mkdir(claims, { recursive: true });
  const start = randomInt(server.users.length);
  for (let i = 0; i < server.users.length; i++) {
    const candidate = server.users[(start + i) % server.users.length]!;
    try {
      await mkdir(join(claims, candidate.user));
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new Error(`all ${server.users.length} test mail users are taken; raise USER_POOL_SIZE`);
}

/**
 * A fresh mail user on the shared test Dovecot, so test files never see each
 * other's mail. `_label` only documents the caller's intent.
 */
export async function createMailUser(_label = 'user'): Promise<MailUser> {
  const server = mailServer();
  const { user, password } = await claimUser(server);
  // startDovecot made every pool user's rawlog directory.
  const rawlogDir = join(server.stateDir, 'rawlog', user);
  const doveadm = async (args: string[]) =>
    (await run('doveadm', ['-c', server.configFile, ...args], { maxBuffer: 64 * 1024 * 1024 })).stdout;
  return {
    user,
    password,
    server,
    account(overrides = {}) {
      return {
        protocol: 'imap',
        host: server.host,
        port: server.ports.imaps,
        tls: 'implicit',
        user,
        password,
        tlsOptions: { ca: server.caCert },
        ...overrides,
      } as AccountDocument;
    },
    seed(mailbox, messages) {
      return seedMessages(
        { host: server.host, port: server.ports.imaps, caCert: server.caCert, user, password },
        mailbox,
        messages,
      );
    },
    doveadm,
    async transcripts() {
      const files = await readdir(rawlogDir).catch(() => [] as string[]);
      const parts = await Promise.all(files.sort().map((f) => readFile(join(rawlogDir, f), 'latin1')));
      return parts.join('\n');
    },
  };
}
