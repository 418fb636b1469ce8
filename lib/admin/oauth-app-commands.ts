import { OAUTH_APP_NAME_PATTERN, type OAuthApp, oauthAppSchema } from '../credentials/account.js';
import type { OAuthProviderName } from '../oauth2/providers.js';
import { type CommandContext, formatTable } from './command-context.js';
import { type OptionValues, requireChoice, requireOption } from './parse-command.js';
import { readSecret } from './read-secret.js';
import { UsageError } from './usage-error.js';

const PROVIDERS = ['google', 'microsoft', 'custom'] as const satisfies readonly OAuthProviderName[];

export function readProvider(values: OptionValues): OAuthProviderName {
  return requireChoice(values, 'provider', PROVIDERS);
}

/** `--scope 'A B C'`: space-separated, as in the OAuth scope parameter (RFC 6749 §3.3); replaces the preset's. */
export function readScopes(values: OptionValues): string[] | undefined {
  if (values.scope === undefined) return undefined;
  const scopes = requireOption(values, 'scope').split(/\s+/).filter(Boolean);
  if (scopes.length === 0) throw new UsageError('--scope is empty');
  return [...new Set(scopes)];
}

/** From a prompt that does not echo, or stdin when piped: never from the command line. */
export function readClientSecret(ctx: CommandContext, clientId: string): Promise<string> {
  return readSecret(`Client secret of ${clientId}: `, ctx.stdin, ctx.stderr);
}

function checkAppName(name: string): void {
  if (!OAUTH_APP_NAME_PATTERN.test(name)) {
    throw new UsageError(
      'OAuth app names are 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
    );
  }
}

/** @throws Error when the store holds no app of that name. */
export async function readOAuthApp(ctx: CommandContext, name: string): Promise<OAuthApp> {
  checkAppName(name);
  const app = await ctx.store.getOAuthApp(name);
  if (app === undefined) throw new Error(`no OAuth app "${name}" (see mailgate oauth-app add)`);
  return app;
}

/**
 * `oauth-app add <name>`: one client registration for many accounts. The
 * secret (confidential clients only) is read with --client-secret-stdin.
 */
export async function addOAuthApp(ctx: CommandContext, name: string, values: OptionValues): Promise<void> {
  checkAppName(name);
  const provider = readProvider(values);
  const clientId = requireOption(values, 'client-id');
  const optional = (option: 'tenant' | 'authorize-url' | 'token-url') =>
    values[option] === undefined ? undefined : requireOption(values, option);
  const scopes = readScopes(values);
  const app: OAuthApp = {
    provider,
    clientId,
    ...defined('tenant', optional('tenant')),
    ...defined('authorizeUrl', optional('authorize-url')),
    ...defined('tokenUrl', optional('token-url')),
    ...defined('scopes', scopes),
  };
  // Refuse what the store would refuse before asking for the secret.
  const check = oauthAppSchema.safeParse(app);
  if (!check.success) {
    const issue = check.error.issues[0];
    throw new UsageError(`the OAuth app would be invalid: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  if (values['client-secret-stdin'] === true) app.clientSecret = await readClientSecret(ctx, clientId);
  const existed = (await ctx.store.getOAuthApp(name)) !== undefined;
  await ctx.store.putOAuthApp(name, app);
  ctx.stdout.write(
    `${existed ? 'Updated' : 'Added'} OAuth app "${name}" (${provider}, client ${clientId}, ` +
      `${app.clientSecret === undefined ? 'public client' : 'with client secret'}).\n`,
  );
}

function defined<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** `oauth-app list`: provider, client id, tenant and whether a secret is held; never the secret. */
export async function listOAuthApps(ctx: CommandContext): Promise<void> {
  const { store } = ctx;
  const names = await store.listOAuthAppNames();
  if (names.length === 0) {
    ctx.stderr.write('No OAuth apps.\n');
    return;
  }
  const rows: string[][] = [];
  for (const name of names) {
    const app = await store.getOAuthApp(name);
    if (app === undefined) continue;
    rows.push([name, app.provider, app.clientId, app.tenant ?? '', app.clientSecret ? 'yes' : 'no']);
  }
  ctx.stdout.write(formatTable(['NAME', 'PROVIDER', 'CLIENT ID', 'TENANT', 'SECRET'], rows));
}

/** The accounts whose `oauth2.app` names `name`; malformed ones are skipped (account list shows them). */
async function accountsUsing(ctx: CommandContext, name: string): Promise<string[]> {
  const users: string[] = [];
  for (const id of await ctx.store.listAccountIds()) {
    const account = await ctx.store.getAccount(id).catch(() => undefined);
    if (account?.oauth2?.app === name) users.push(id);
  }
  return users;
}

/**
 * `oauth-app remove <name>`; warns about accounts that name it, which can no
 * longer refresh their access.
 * @throws Error when there is no such app.
 */
export async function removeOAuthApp(ctx: CommandContext, name: string): Promise<void> {
  checkAppName(name);
  if (!(await ctx.store.removeOAuthApp(name))) throw new Error(`no OAuth app "${name}"`);
  ctx.stdout.write(`Removed OAuth app "${name}".\n`);
  const orphans = await accountsUsing(ctx, name);
  if (orphans.length > 0) {
    ctx.stderr.write(
      `Warning: accounts ${orphans.join(', ')} name this app and cannot renew their access until it is added again.\n`,
    );
  }
}
