import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { type DovecotInstance, startDovecot } from '../lib/devmail/dovecot.js';
import { ensureDovecotInstalled } from '../lib/devmail/install.js';

export const USER_POOL_SIZE = 1000;

export interface MailServerInfo {
  /** Pre-provisioned users; a test file claims one with createMailUser(). */
  users: Array<{ user: string; password: string }>;
  host: string;
  ports: DovecotInstance['ports'];
  caCert: string;
  stateDir: string;
  configFile: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    mailServer: MailServerInfo;
  }
}

/** One private Dovecot for the whole run; test files create their own users (test/support/mail-server.ts). */
export default async function setup(project: TestProject) {
  ensureDovecotInstalled((line) => process.stderr.write(`${line}\n`));
  // Users are provisioned up front: Dovecot re-reads its passwd-file at most
  // once a second, so users added later could be refused for a moment.
  const pool = Array.from({ length: USER_POOL_SIZE }, (_, i) => ({
    user: `t${String(i).padStart(4, '0')}`,
    password: `pw-${randomBytes(9).toString('base64url')}`,
  }));
  const dovecot = await startDovecot({ users: pool, rawlog: true });
  project.provide('mailServer', {
    users: pool,
    host: dovecot.host,
    ports: dovecot.ports,
    caCert: dovecot.caCert,
    stateDir: dovecot.stateDir,
    configFile: dovecot.configFile,
  });
  return async () => {
    await dovecot.stop();
  };
}
