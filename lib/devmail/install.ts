import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { DOVECOT_BINARY, DovecotMissingError } from './dovecot.js';

const APT_INSTALL = 'apt-get update && apt-get install -y dovecot-imapd dovecot-pop3d';

/**
 * Installs Dovecot with apt-get when it is missing and we are root on a
 * Debian-like system; otherwise explains exactly what to install.
 * @throws DovecotMissingError when it cannot be installed here.
 */
export function ensureDovecotInstalled(log: (line: string) => void): void {
  if (existsSync(DOVECOT_BINARY)) return;
  if (userInfo().uid !== 0 || !existsSync('/usr/bin/apt-get')) throw new DovecotMissingError();
  log(`Dovecot is not installed; installing it: ${APT_INSTALL}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', 'dovecot-imapd', 'dovecot-pop3d'], { stdio: 'inherit', env });
}
