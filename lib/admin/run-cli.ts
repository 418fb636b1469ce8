import { loadConfig } from '../config/env.js';
import { createCredentialStore } from '../credentials/create-store.js';
import type { AdminCredentialStore } from '../credentials/store.js';
import { isMailgateError } from '../mail/errors.js';
import { addAccount, listAccounts, removeAccount } from './account-commands.js';
import type { CommandContext } from './command-context.js';
import { addOAuthApp, listOAuthApps, removeOAuthApp } from './oauth-app-commands.js';
import { consentAccount } from './oauth-commands.js';
import { type OptionValues, parseCommand } from './parse-command.js';
import { createToken, listTokens, revokeToken } from './token-commands.js';
import { USAGE } from './usage.js';
import { UsageError } from './usage-error.js';
import { webhookListenCommand } from './webhook-listen.js';

export interface CliEnvironment extends Omit<CommandContext, 'store'> {
  env: Record<string, string | undefined>;
  /** Replaces createCredentialStore, e.g. to inject a Secrets Manager client. */
  createStore?: (config: ReturnType<typeof loadConfig>, cwd: string) => AdminCredentialStore;
  /** Stops a long-running command (`webhook listen`); without it, SIGINT or SIGTERM does. */
  signal?: AbortSignal;
}

/** Global options override the environment, so one validation path (lib/config) covers both. */
function openStore(values: OptionValues, io: CliEnvironment): AdminCredentialStore {
  const env = { ...io.env };
  if (typeof values.store === 'string') {
    if (values.store !== 'file' && values.store !== 'secretsmanager') {
      throw new UsageError('--store must be file or secretsmanager');
    }
    env.MAILGATE_STORE = values.store;
  }
  if (typeof values.file === 'string') env.MAILGATE_ACCOUNTS_FILE = values.file;
  if (typeof values.prefix === 'string') env.MAILGATE_SECRET_PREFIX = values.prefix;
  const config = loadConfig(env);
  if (config.MAILGATE_STORE === 'file' && values.prefix !== undefined) {
    throw new UsageError('--prefix applies to the secretsmanager store only');
  }
  if (config.MAILGATE_STORE === 'secretsmanager' && values.file !== undefined) {
    throw new UsageError('--file applies to the file store only');
  }
  return io.createStore ? io.createStore(config, io.cwd) : createCredentialStore(config, { cwd: io.cwd });
}

/**
 * An operator reads this: the underlying error (e.g. the AWS permission that
 * is missing) helps more than the generic detail. Causes never hold stored
 * values: the stores attach none where a value could leak (JSON syntax errors).
 */
function describeFailure(error: unknown): string {
  if (!isMailgateError(error)) return error instanceof Error ? error.message : String(error);
  const cause = error.cause;
  return cause instanceof Error ? `${error.detail} ${cause.name}: ${cause.message}` : error.detail;
}

/**
 * Runs one admin command.
 * @returns the exit status: 0 success, 1 operational error, 2 usage error.
 */
export async function runCli(argv: string[], io: CliEnvironment): Promise<number> {
  try {
    const parsed = parseCommand(argv);
    if (parsed.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    if (parsed.command === 'webhook listen') return await webhookListenCommand(parsed.values, io);
    const ctx: CommandContext = { ...io, store: openStore(parsed.values, io) };
    const [first = ''] = parsed.args;
    switch (parsed.command) {
      case 'account add':
        await addAccount(ctx, first, parsed.values);
        break;
      case 'account oauth':
        await consentAccount(ctx, first, parsed.values);
        break;
      case 'account list':
        await listAccounts(ctx);
        break;
      case 'account remove':
        await removeAccount(ctx, first);
        break;
      case 'token create':
        await createToken(ctx, parsed.values);
        break;
      case 'token list':
        await listTokens(ctx);
        break;
      case 'token revoke':
        await revokeToken(ctx, first);
        break;
      case 'oauth-app add':
        await addOAuthApp(ctx, first, parsed.values);
        break;
      case 'oauth-app list':
        await listOAuthApps(ctx);
        break;
      case 'oauth-app remove':
        await removeOAuthApp(ctx, first);
        break;
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`mailgate: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    io.stderr.write(`mailgate: ${describeFailure(error)}\n`);
    return 1;
  }
}
