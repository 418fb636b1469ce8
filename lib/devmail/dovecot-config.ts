/** Renders a self-contained Dovecot 2.3 configuration: nothing is read from /etc. */

export interface DovecotPorts {
  imap: number;
  imaps: number;
  pop3: number;
  pop3s: number;
}

export interface DovecotConfigInput {
  stateDir: string;
  ports: DovecotPorts;
  certFile: string;
  keyFile: string;
  usersFile: string;
  /** Owner of the mail files; Dovecot refuses root for mail processes. */
  mailUid: number;
  mailGid: number;
  /** Users for Dovecot's internal and login processes. */
  internalUser: string;
  loginUser: string;
  /** False when not running as root: login processes cannot chroot then. */
  chrootLogin: boolean;
  /** Write each IMAP/POP3 session's protocol transcript here (tests assert on it). */
  rawlogDir?: string;
}

const SPECIAL_FOLDERS: Array<[string, string]> = [
  ['Sent', '\\Sent'],
  ['Drafts', '\\Drafts'],
  ['Trash', '\\Trash'],
  ['Junk', '\\Junk'],
  ['Archive', '\\Archive'],
];

export function renderDovecotConfig(input: DovecotConfigInput): string {
  const { stateDir, ports } = input;
  const chroot = input.chrootLogin ? '' : '\n  chroot =';
  const rawlog = input.rawlogDir ? `\n  rawlog_dir = ${input.rawlogDir}/%u` : '';
  const folders = SPECIAL_FOLDERS.map(
    ([name, use]) => `  mailbox ${name} {\n    special_use = ${use}\n    auto = subscribe\n  }`,
  ).join('\n');
  const services = input.chrootLogin
    ? ''
    : ['auth', 'auth-worker', 'config', 'dict', 'log', 'stats']
        .map((name) => `service ${name} {\n  user = ${input.internalUser}\n}`)
        .join('\n');
  // Every client here comes from 127.0.0.1, so the per-IP penalty for failed
  // logins (2, 4, 8, 15 s) would make one test's wrong password slow down
  // every other test. The fixed 2 s delay on a failed login stays.
  const anvilUser = input.chrootLogin ? '' : `\n  user = ${input.internalUser}`;
  const anvil = `service anvil {${anvilUser}\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}`;
  return `# Generated for a private, loopback-only instance.
base_dir = ${stateDir}/run
state_dir = ${stateDir}/lib
log_path = ${stateDir}/dovecot.log
info_log_path = ${stateDir}/dovecot.log
listen = 127.0.0.1
protocols = imap pop3
ssl = yes
ssl_cert = <${input.certFile}
ssl_key = <${input.keyFile}
ssl_min_protocol = TLSv1.2
auth_mechanisms = plain login
disable_plaintext_auth = no
default_internal_user = ${input.internalUser}
default_login_user = ${input.loginUser}
first_valid_uid = ${input.mailUid}
last_valid_uid = ${input.mailUid}
first_valid_gid = ${input.mailGid}
last_valid_gid = ${input.mailGid}
mail_location = maildir:~/Maildir
mail_fsync = never
mail_plugins =
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${input.usersFile}
}
userdb {
  driver = static
  args = uid=${input.mailUid} gid=${input.mailGid} home=${stateDir}/mail/%u
}
namespace inbox {
  inbox = yes
  separator = /
${folders}
}
service imap-login {${chroot}
  inet_listener imap {
    port = ${ports.imap}
  }
  inet_listener imaps {
    port = ${ports.imaps}
    ssl = yes
  }
}
service pop3-login {${chroot}
  inet_listener pop3 {
    port = ${ports.pop3}
  }
  inet_listener pop3s {
    port = ${ports.pop3s}
    ssl = yes
  }
}
${services}
${anvil}
protocol imap {
  mail_max_userip_connections = 1000${rawlog}
}
protocol pop3 {
  mail_max_userip_connections = 1000
  pop3_uidl_format = %08Xu%08Xv${rawlog}
}
`;
}
