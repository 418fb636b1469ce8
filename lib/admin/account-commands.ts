import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ACCOUNT_ID_PATTERN, type AccountDocument } from '../credentials/account.js';
import { isMailgateError } from '../mail/errors.js';
import { type CommandContext, formatTable } from './command-context.js';
import { type OptionValues, requireChoice, requireOption } from './parse-command.js';
import { readSecret } from './read-secret.js';
import { UsageError } from './usage-error.js';

function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) throw new UsageError('--port must be a number from 1 to 65535');
  return port;
}

async function readCaFile(ctx: CommandContext, path: string): Promise<string> {
  const pem = await readFile(resolve(ctx.cwd, path), 'utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error(`--ca-file "${path}" holds no PEM certificate`);
  }
  return pem;
}

/** Where an account's mail server is and how to reach it, as the options say. */
export type ServerOptions = Pick<
  AccountDocument,
  'protocol' | 'host' | 'port' | 'tls' | 'tlsOptions' | 'allowPlaintext'
>;

/** What a provider preset fixes, so its options become optional. */
export interface ServerDefaults {
  protocol?: AccountDocument['protocol'];
  tls?: AccountDocument['tls'];
  server?: (protocol: AccountDocument['protocol']) => { host: string; port: number } | undefined;
}

/**
 * Reads --protocol, --host, --port, --tls, --allow-plaintext, --ca-file,
 * --servername and --insecure; each is required unless `defaults` supplies it.
 * @throws UsageError for a missing or malformed option.
 */
export async function readServerOptions(
  ctx: CommandContext,
  values: OptionValues,
  defaults: ServerDefaults = {},
): Promise<ServerOptions> {
  const protocol =
    values.protocol === undefined && defaults.protocol !== undefined
      ? defaults.protocol
      : requireChoice(values, 'protocol', ['imap', 'pop3'] as const);
  const preset = defaults.server?.(protocol);
  const host = values.host === undefined && preset ? preset.host : requireOption(values, 'host');
  const port = values.port === undefined && preset ? preset.port : parsePort(requireOption(values, 'port'));
  const tls =
    values.tls === undefined && defaults.tls !== undefined
      ? defaults.tls
      : requireChoice(values, 'tls', ['implicit', 'starttls', 'none'] as const);
  const allowPlaintext = values['allow-plaintext'] === true;
  if (tls === 'none' && !allowPlaintext) {
    throw new UsageError('--tls none sends credentials in clear text; add --allow-plaintext to accept that');
  }
  const tlsOptions: NonNullable<AccountDocument['tlsOptions']> = {};
  if (typeof values['ca-file'] === 'string') tlsOptions.ca = await readCaFile(ctx, values['ca-file']);
  if (typeof values.servername === 'string') tlsOptions.servername = values.servername;
  if (values.insecure === true) tlsOptions.rejectUnauthorized = false;
  return {
    protocol,
    host,
    port,
    tls,
    ...(Object.keys(tlsOptions).length > 0 ? { tlsOptions } : {}),
    ...(allowPlaintext ? { allowPlaintext: true } : {}),
  };
}

/** The shared check of `account add` and `account oauth`. @throws UsageError */
export function checkAccountId(id: string): void {
  if (!ACCOUNT_ID_PATTERN.test(id)) {
    throw new UsageError(
      'account ids are 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
    );
  }
}

/**
 * `account add <id>`: builds the document from options and a secret read
 * from the prompt or stdin, then stores it (replacing an account of that id).
 */
export async function addAccount(ctx: CommandContext, id: string, values: OptionValues): Promise<void> {
  checkAccountId(id);
  const server = await readServerOptions(ctx, values);
  const { protocol, host, port } = server;
  const user = requireOption(values, 'user');

  const oauth2 = values.oauth2 === true;
  const what = oauth2 ? 'OAuth2 access token' : 'Password';
  const secret = await readSecret(`${what} for ${user} at ${host}: `, ctx.stdin, ctx.stderr);

  const document: AccountDocument = {
    ...server,
    user,
    ...(oauth2 ? { oauth2: { accessToken: secret } } : { password: secret }),
  };
  const existed = (await ctx.store.listAccountIds()).includes(id);
  await ctx.store.putAccount(id, document);
  ctx.stdout.write(
    `${existed ? 'Updated' : 'Added'} account "${id}" (${protocol} ${host}:${port}, user ${user}).\n`,
  );
  if (server.tlsOptions?.rejectUnauthorized === false) {
    ctx.stderr.write(`Warning: certificate verification is off for account "${id}".\n`);
  }
}

/** `account list`: never prints a password or token; a malformed account shows its problem instead. */
export async function listAccounts(ctx: CommandContext): Promise<void> {
  const ids = await ctx.store.listAccountIds();
  if (ids.length === 0) {
    ctx.stderr.write('No accounts.\n');
    return;
  }
  const rows: string[][] = [];
  for (const id of ids) {
    try {
      const account = await ctx.store.getAccount(id);
      rows.push(
        account ? [id, account.protocol, `${account.host}:${account.port}`, account.user] : [id, '(missing)'],
      );
    } catch (error) {
      if (!isMailgateError(error)) throw error;
      rows.push([id, `(invalid: ${error.detail})`]);
    }
  }
  ctx.stdout.write(formatTable(['ID', 'PROTOCOL', 'HOST', 'USER'], rows));
}

/** `account remove <id>`. @throws Error when there is no such account. */
export async function removeAccount(ctx: CommandContext, id: string): Promise<void> {
  if (!(await ctx.store.removeAccount(id))) throw new Error(`no account "${id}"`);
  ctx.stdout.write(`Removed account "${id}".\n`);
}
