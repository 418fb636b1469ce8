import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type DovecotPorts, renderDovecotConfig, renderOAuth2PassdbConfig } from './dovecot-config.js';

const run = promisify(execFile);

export const DOVECOT_BINARY = '/usr/sbin/dovecot';
const MAIL_USER = 'mailgate-mail';

export interface MailUser {
  user: string;
  password: string;
}

export interface DovecotInstance {
  host: '127.0.0.1';
  ports: DovecotPorts;
  /** PEM of the self-signed certificate: give it to clients as their CA. */
  caCert: string;
  stateDir: string;
  configFile: string;
  users: MailUser[];
  /** Runs a doveadm command against this instance, e.g. `['fetch', '-u', 'alice', 'uid flags', 'mailbox', 'INBOX', 'all']`. */
  doveadm(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export interface StartDovecotOptions {
  users: MailUser[];
  /** Where to keep config, mail and logs; a new temporary directory by default (removed on stop). */
  stateDir?: string;
  rawlog?: boolean;
  /**
   * An RFC 7662 introspection endpoint (tests: the fake identity provider's
   * `/introspect`): Dovecot then also accepts OAuth2 bearer tokens (SASL
   * XOAUTH2 and OAUTHBEARER) and asks this URL about each one. Without it
   * only passwords log in.
   */
  oauth2IntrospectionUrl?: string;
}

/** Thrown when Dovecot is not installed, with the command that installs it. */
export class DovecotMissingError extends Error {
  constructor() {
    super(
      `Dovecot is not installed (${DOVECOT_BINARY} not found). On Debian or Ubuntu run: ` +
        'apt-get update && apt-get install -y dovecot-imapd dovecot-pop3d',
    );
    this.name = 'DovecotMissingError';
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Dovecot did not listen on 127.0.0.1:${port} in time`);
}

/** A dedicated unprivileged owner for mail files when running as root; the current user otherwise. */
async function mailOwner(): Promise<{ uid: number; gid: number; name: string }> {
  const me = userInfo();
  if (me.uid !== 0) return { uid: me.uid, gid: me.gid, name: me.username };
  try {
    await run('id', ['-u', MAIL_USER]);
  } catch {
    await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', MAIL_USER]).catch(
      (error: unknown) => {
        // Two processes may race to create the user; only a missing user is fatal.
        if (!String((error as { stderr?: string }).stderr ?? '').includes('already exists')) throw error;
      },
    );
  }
  const uid = Number((await run('id', ['-u', MAIL_USER])).stdout.trim());
  const gid = Number((await run('id', ['-g', MAIL_USER])).stdout.trim());
  return { uid, gid, name: MAIL_USER };
}

async function makeCertificate(dir: string): Promise<{ certFile: string; keyFile: string }> {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '3650',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  return { certFile, keyFile };
}

/**
 * Starts a private Dovecot (IMAP, IMAPS, POP3, POP3S) on free loopback ports,
 * with its own configuration, users, certificate and mail under `stateDir`.
 * @throws DovecotMissingError when Dovecot is not installed.
 */
export async function startDovecot(options: StartDovecotOptions): Promise<DovecotInstance> {
  if (!existsSync(DOVECOT_BINARY)) throw new DovecotMissingError();
  const ownsStateDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'mailgate-dovecot-')));
  await mkdir(join(stateDir, 'mail'), { recursive: true });
  // Dovecot's auth and login processes run unprivileged and must traverse this directory.
  await chmod(stateDir, 0o755);
  const owner = await mailOwner();
  const root = userInfo().uid === 0;
  if (root) await run('chown', [`${owner.uid}:${owner.gid}`, join(stateDir, 'mail')]);
  const { certFile, keyFile } = await makeCertificate(stateDir);
  const usersFile = join(stateDir, 'users');
  await writeFile(usersFile, options.users.map((u) => `${u.user}:{PLAIN}${u.password}::::::\n`).join(''), {
    mode: 0o640,
  });
  if (root) await run('chown', ['root:dovecot', usersFile]);
  let rawlogDir: string | undefined;
  if (options.rawlog) {
    rawlogDir = join(stateDir, 'rawlog');
    for (const u of options.users) await mkdir(join(rawlogDir, u.user), { recursive: true });
    if (root) await run('chown', ['-R', `${owner.uid}:${owner.gid}`, rawlogDir]);
  }
  const ports: DovecotPorts = {
    imap: await freePort(),
    imaps: await freePort(),
    pop3: await freePort(),
    pop3s: await freePort(),
  };
  let oauth2ConfigFile: string | undefined;
  if (options.oauth2IntrospectionUrl !== undefined) {
    oauth2ConfigFile = join(stateDir, 'dovecot-oauth2.conf.ext');
    await writeFile(oauth2ConfigFile, renderOAuth2PassdbConfig(options.oauth2IntrospectionUrl));
  }
  const configFile = join(stateDir, 'dovecot.conf');
  await writeFile(
    configFile,
    renderDovecotConfig({
      stateDir,
      ports,
      certFile,
      keyFile,
      usersFile,
      mailUid: owner.uid,
      mailGid: owner.gid,
      internalUser: root ? 'dovecot' : owner.name,
      loginUser: root ? 'dovenull' : owner.name,
      chrootLogin: root,
      rawlogDir,
      oauth2ConfigFile,
    }),
  );
  // stdio must not be inherited: the daemon would hold the caller's pipes open forever.
  const child = spawn(DOVECOT_BINARY, ['-c', configFile], { stdio: 'ignore', detached: true });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const code = await exited;
  if (code !== 0) {
    const log = await readFile(join(stateDir, 'dovecot.log'), 'utf8').catch(() => '');
    throw new Error(`Dovecot failed to start (exit ${code}): ${log.slice(-2000)}`);
  }
  const deadline = Date.now() + 10_000;
  for (const port of Object.values(ports)) await waitForPort(port, deadline);
  const caCert = await readFile(certFile, 'utf8');

  return {
    host: '127.0.0.1',
    ports,
    caCert,
    stateDir,
    configFile,
    users: options.users,
    async doveadm(args) {
      const { stdout } = await run('doveadm', ['-c', configFile, ...args], { maxBuffer: 64 * 1024 * 1024 });
      return stdout;
    },
    async stop() {
      const pidText = await readFile(join(stateDir, 'run', 'master.pid'), 'utf8').catch(() => '');
      const pid = Number(pidText.trim());
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
        const until = Date.now() + 5000;
        while (Date.now() < until && isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 25));
        if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      }
      if (ownsStateDir) await rm(stateDir, { recursive: true, force: true });
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
