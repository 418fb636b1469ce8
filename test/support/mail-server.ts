import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, readdir, readFile } from 'node:fs/promises';
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

/**
 * A fresh mail user on the shared test Dovecot, so test files never see each
 * other's mail. Dovecot re-reads its passwd-file when it changes.
 */
export async function createMailUser(prefix = 'user'): Promise<MailUser> {
  const server = mailServer();
  const user = `${prefix}-${randomBytes(5).toString('hex')}`;
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  await appendFile(join(server.stateDir, 'users'), `${user}:{PLAIN}${password}::::::\n`);
  const rawlogDir = join(server.stateDir, 'rawlog', user);
  await run('install', ['-d', '-o', 'mailgate-mail', '-g', 'mailgate-mail', rawlogDir]).catch(
    () => undefined,
  );
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
