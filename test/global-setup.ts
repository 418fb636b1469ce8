import type { TestProject } from 'vitest/node';
import { type DovecotInstance, startDovecot } from '../lib/devmail/dovecot.js';
import { ensureDovecotInstalled } from '../lib/devmail/install.js';

export interface MailServerInfo {
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
  const dovecot = await startDovecot({ users: [{ user: 'seed', password: 'seed-password' }], rawlog: true });
  project.provide('mailServer', {
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
