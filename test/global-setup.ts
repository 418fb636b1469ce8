import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { type DovecotInstance, startDovecot } from '../lib/devmail/dovecot.js';
import { ensureDovecotInstalled } from '../lib/devmail/install.js';
import { startFakeIdp } from './support/fake-idp/index.js';

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

/** The fake identity provider the test Dovecot asks about every OAuth2 token (test/support/fake-idp). */
export interface OAuthIdpInfo {
  /** `http://127.0.0.1:<port>`: steer it with `new FakeIdpControl(url)`. */
  url: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    mailServer: MailServerInfo;
    oauthIdp: OAuthIdpInfo;
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
  // Dovecot's oauth2 passdb checks each bearer token with the fake provider's introspection endpoint.
  const idp = await startFakeIdp();
  let dovecot: DovecotInstance;
  try {
    dovecot = await startDovecot({
      users: pool,
      rawlog: true,
      oauth2IntrospectionUrl: `${idp.url}/introspect`,
    });
  } catch (error) {
    await idp.close();
    throw error;
  }
  project.provide('oauthIdp', { url: idp.url });
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
    await idp.close();
  };
}
