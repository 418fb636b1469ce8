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
  /**
   * The oauth2 passdb's settings file (see renderOAuth2PassdbConfig): with it
   * Dovecot also accepts SASL XOAUTH2 and OAUTHBEARER, checking each bearer
   * token with the identity provider; passwords stay PLAIN/LOGIN only.
   */
  oauth2ConfigFile?: string;
}

const SPECIAL_FOLDERS: Array<[string, string]> = [
  ['Sent', '\\Sent'],
  ['Drafts', '\\Drafts'],
  ['Trash', '\\Trash'],
  ['Junk', '\\Junk'],
  ['Archive', '\\Archive'],
];

/**
 * The settings file of Dovecot 2.3's oauth2 passdb: every bearer token is
 * checked by an RFC 7662 introspection request (`POST token=…`), the
 * answer must say `active: true`, and its `username` must be the user that
 * logs in. Nothing is cached (auth_cache_size is 0), so each login asks.
 */
export function renderOAuth2PassdbConfig(introspectionUrl: string): string {
  if (/[\r\n]/.test(introspectionUrl)) throw new Error('introspection URL with a line break');
  return `introspection_mode = post
introspection_url = ${introspectionUrl}
username_attribute = username
active_attribute = active
active_value = true
`;
}

export function renderDovecotConfig(input: DovecotConfigInput): string {
  const { stateDir, ports } = input;
  // The passwd-file passdb takes only the password mechanisms, the oauth2 one only the bearer
  // mechanisms: a password is never sent to the identity provider, nor a token checked as a password.
  // "none" keeps the passwd-file answering lookups without a login (the static userdb asks it
  // whether a user exists, for doveadm): without it every passdb is skipped and doveadm fails.
  const oauth2 = input.oauth2ConfigFile
    ? `\npassdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = ${input.oauth2ConfigFile}\n}`
    : '';
  const passwordMechanisms = input.oauth2ConfigFile ? '\n  mechanisms = plain login none' : '';
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
auth_mechanisms = plain login${input.oauth2ConfigFile ? ' xoauth2 oauthbearer' : ''}
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
  args = scheme=PLAIN username_format=%u ${input.usersFile}${passwordMechanisms}
}${oauth2}
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
