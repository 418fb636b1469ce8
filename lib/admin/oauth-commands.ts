import { setTimeout as sleep } from 'node:timers/promises';
import { accountDocumentSchema, type OAuth2Credentials } from '../credentials/account.js';
import { presetFor } from '../oauth2/providers.js';
import { checkAccountId, readServerOptions } from './account-commands.js';
import type { CommandContext } from './command-context.js';
import {
  type ConsentIo,
  type ConsentResult,
  chooseMode,
  runConsent,
  userFromClaims,
} from './oauth/consent-flow.js';
import { type ConsentClient, type ConsentPlan, planConsent } from './oauth/consent-plan.js';
import { readClientSecret, readOAuthApp, readProvider, readScopes } from './oauth-app-commands.js';
import { type OptionValues, requireOption } from './parse-command.js';
import { readLine } from './read-line.js';
import { UsageError } from './usage-error.js';

const DEFAULT_TIMEOUT_SECONDS = 300;

/** With --app, the client comes from the stored app: these would contradict it. */
const APP_SUPPLIES = ['provider', 'client-id', 'client-secret-stdin', 'tenant', 'token-url'] as const;

function parseTimeout(values: OptionValues): number {
  if (values.timeout === undefined) return DEFAULT_TIMEOUT_SECONDS * 1000;
  const text = requireOption(values, 'timeout');
  const seconds = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds >= 1 && seconds <= 86_400)) throw new UsageError('--timeout must be 1 to 86400 seconds');
  return seconds * 1000;
}

function optional(values: OptionValues, name: 'authorize-url' | 'device-url' | 'issuer' | 'login-hint') {
  return values[name] === undefined ? undefined : requireOption(values, name);
}

/** The client from --app or from the flags, and the OAuth app's name when it comes from one. */
async function readClient(
  ctx: CommandContext,
  values: OptionValues,
): Promise<{ client: ConsentClient; appName?: string }> {
  const common = definedOnly({
    authorizeUrl: optional(values, 'authorize-url'),
    deviceUrl: optional(values, 'device-url'),
    issuer: optional(values, 'issuer'),
    scopes: readScopes(values),
  });
  if (values.app === undefined) {
    return {
      client: {
        provider: readProvider(values),
        clientId: requireOption(values, 'client-id'),
        ...common,
        ...definedOnly({
          tenant: values.tenant === undefined ? undefined : requireOption(values, 'tenant'),
          tokenUrl: values['token-url'] === undefined ? undefined : requireOption(values, 'token-url'),
        }),
      },
    };
  }
  const given = APP_SUPPLIES.find((name) => values[name] !== undefined);
  if (given !== undefined) throw new UsageError(`--${given} comes from the OAuth app: drop it, or --app`);
  const appName = requireOption(values, 'app');
  return { client: { ...(await readOAuthApp(ctx, appName)), ...common }, appName };
}

/**
 * What the account keeps of the client: the app's name alone when an app
 * supplies it (so the app stays the one place its id and secret live), else
 * the provider, client and, for `custom`, the endpoints a refresh needs.
 */
function storedClient(
  client: ConsentClient,
  plan: ConsentPlan,
  appName: string | undefined,
): OAuth2Credentials {
  if (appName !== undefined) return { app: appName };
  return {
    provider: plan.provider,
    clientId: client.clientId,
    ...definedOnly({ tenant: plan.tenant, clientSecret: client.clientSecret }),
    ...(plan.provider === 'custom'
      ? { tokenUrl: plan.as.token_endpoint as string, authorizeUrl: plan.as.authorization_endpoint as string }
      : {}),
  };
}

function definedOnly<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function cliConsentIo(ctx: CommandContext): ConsentIo {
  return {
    show(help, ...values) {
      ctx.stderr.write(`${help}\n`);
      for (const value of values) ctx.stdout.write(`${value}\n`);
    },
    note: (text) => ctx.stderr.write(`${text}\n`),
    ask: (question, signal) => readLine(question, ctx.stdin, ctx.stderr, signal),
    sleep: (ms, signal) => sleep(ms, undefined, { signal }),
    now: () => Date.now(),
  };
}

/** --user, else the ID token's address, else (on a terminal only) a question. */
async function mailboxUser(
  ctx: CommandContext,
  values: OptionValues,
  found: string | undefined,
): Promise<string> {
  if (values.user !== undefined) return requireOption(values, 'user');
  if (found !== undefined) return found;
  if (ctx.stdin.isTTY !== true) {
    throw new Error(
      'the provider did not say which address signed in and stdin is no terminal to ask: pass --user',
    );
  }
  const answer = (
    await readLine(
      'Mailbox address (IMAP/POP3 user name): ',
      ctx.stdin,
      ctx.stderr,
      AbortSignal.timeout(600_000),
    )
  ).trim();
  if (answer === '') throw new Error('no mailbox address was given');
  return answer;
}

/**
 * `account oauth <id>`: runs the consent (RFC 8252 loopback, pasted redirect
 * or RFC 8628 device code) and stores the account with its refresh token.
 * Prints the URL (or verification page and code) on stdout and one summary
 * line without any token.
 * @throws UsageError for bad options; ConsentError when the consent fails (nothing is stored).
 */
export async function consentAccount(
  ctx: CommandContext,
  id: string,
  values: OptionValues,
  io: ConsentIo = cliConsentIo(ctx),
): Promise<void> {
  checkAccountId(id);
  const timeoutMs = parseTimeout(values);
  const { client, appName } = await readClient(ctx, values);
  let plan = planConsent(client);
  const preset = presetFor(plan.provider, plan.tenant);
  const server = await readServerOptions(ctx, values, {
    protocol: 'imap',
    tls: 'implicit',
    server: (protocol) => preset?.[protocol],
  });
  const given = values.user === undefined ? undefined : requireOption(values, 'user');
  const document = (
    user: string,
    tokens: Pick<ConsentResult, 'refreshToken' | 'accessToken' | 'expiresAt'>,
  ) => ({
    ...server,
    user,
    oauth2: {
      ...storedClient(client, plan, appName),
      refreshToken: tokens.refreshToken,
      scopes: plan.scopes,
      accessToken: tokens.accessToken,
      ...definedOnly({ expiresAt: tokens.expiresAt }),
    },
  });
  // Refuse what the store would refuse before anyone signs in, not after.
  const check = accountDocumentSchema.safeParse(
    document(given ?? 'user@example.invalid', { refreshToken: 'pending', accessToken: 'pending' }),
  );
  if (!check.success) {
    const issue = check.error.issues[0];
    throw new UsageError(`the account would be invalid: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  if (values['client-secret-stdin'] === true) {
    client.clientSecret = await readClientSecret(ctx, client.clientId);
    plan = planConsent(client);
  }

  const loginHint = optional(values, 'login-hint') ?? given;
  const tokens = await runConsent(
    plan,
    {
      mode: chooseMode(plan, values['no-browser'] === true),
      timeoutMs,
      protocol: server.protocol,
      ...definedOnly({ loginHint }),
    },
    io,
  );
  const signedIn = userFromClaims(plan, tokens.claims);
  const user = await mailboxUser(ctx, values, signedIn);

  const existed = (await ctx.store.listAccountIds()).includes(id);
  await ctx.store.putAccount(id, document(user, tokens));
  const via = appName !== undefined ? `OAuth app ${appName}` : `OAuth2 ${plan.provider}`;
  ctx.stdout.write(
    `${existed ? 'Updated' : 'Added'} account "${id}" (${server.protocol} ${server.host}:${server.port}, user ${user}, ${via}).\n`,
  );
  if (signedIn !== undefined && signedIn !== user) {
    ctx.stderr.write(`Note: signed in as ${signedIn}; the mail server will be asked for ${user} (--user).\n`);
  }
}
