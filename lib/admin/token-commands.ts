import { ACCOUNT_ID_PATTERN } from '../credentials/account.js';
import { TOKEN_SCOPES } from '../credentials/store.js';
import { type CommandContext, formatTable } from './command-context.js';
import { type OptionValues, requireChoice, requireOption } from './parse-command.js';
import { UsageError } from './usage-error.js';

function parseAccounts(text: string): string[] | '*' {
  if (text === '*') return '*';
  const ids = text.split(',').map((id) => id.trim());
  const bad = ids.find((id) => !ACCOUNT_ID_PATTERN.test(id));
  if (bad !== undefined) throw new UsageError(`--accounts: "${bad}" is not an account id (use a,b,c or '*')`);
  return [...new Set(ids)];
}

/**
 * `token create`: prints the token once on stdout (alone, so scripts can
 * capture it) and what it grants on stderr.
 * @throws Error when a granted account does not exist, which is nearly always a typo.
 */
export async function createToken(ctx: CommandContext, values: OptionValues): Promise<void> {
  const scope = requireChoice(values, 'scope', TOKEN_SCOPES);
  // An admin token manages every account and reads no mail: it is never limited to some accounts.
  if (scope === 'admin' && values.accounts !== undefined) {
    throw new UsageError('--scope admin manages every account; it takes no --accounts');
  }
  const accounts = scope === 'admin' ? '*' : parseAccounts(requireOption(values, 'accounts'));
  const label = typeof values.label === 'string' ? values.label : undefined;
  if (accounts !== '*') {
    const known = new Set(await ctx.store.listAccountIds());
    const unknown = accounts.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new Error(`no such account: ${unknown.join(', ')}`);
  }
  const { token, record } = await ctx.store.createToken({ accounts, scope, label });
  ctx.stdout.write(`${token}\n`);
  const granted =
    scope === 'admin'
      ? 'the account API: accounts and tokens, no mail'
      : accounts === '*'
        ? 'all accounts'
        : accounts.join(', ');
  ctx.stderr.write(
    `Created token ${record.tokenId} (${scope}; ${granted}). It is shown only this once: store it now.\n`,
  );
}

/** `token list`: ids and grants only; the store holds no token to print, and hashes stay private too. */
export async function listTokens(ctx: CommandContext): Promise<void> {
  const records = await ctx.store.listTokens();
  if (records.length === 0) {
    ctx.stderr.write('No tokens.\n');
    return;
  }
  const rows = records
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .map((record) => [
      record.tokenId,
      record.scope,
      record.accounts === '*' ? '*' : record.accounts.join(','),
      record.label ?? '',
      record.createdAt,
    ]);
  ctx.stdout.write(formatTable(['ID', 'SCOPE', 'ACCOUNTS', 'LABEL', 'CREATED'], rows));
}

/** `token revoke <tokenId>`. @throws Error when there is no such token. */
export async function revokeToken(ctx: CommandContext, tokenId: string): Promise<void> {
  if (!(await ctx.store.revokeToken(tokenId))) throw new Error(`no token "${tokenId}"`);
  ctx.stdout.write(`Revoked token ${tokenId}.\n`);
}
