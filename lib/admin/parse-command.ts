import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';

const STORE_OPTIONS = ['store', 'file', 'prefix'] as const;

const OPTIONS = {
  store: { type: 'string' },
  file: { type: 'string' },
  prefix: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  protocol: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  tls: { type: 'string' },
  user: { type: 'string' },
  'allow-plaintext': { type: 'boolean' },
  'ca-file': { type: 'string' },
  servername: { type: 'string' },
  insecure: { type: 'boolean' },
  oauth2: { type: 'boolean' },
  accounts: { type: 'string' },
  scope: { type: 'string' },
  label: { type: 'string' },
  provider: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret-stdin': { type: 'boolean' },
  app: { type: 'string' },
  tenant: { type: 'string' },
  'login-hint': { type: 'string' },
  'authorize-url': { type: 'string' },
  'token-url': { type: 'string' },
  'device-url': { type: 'string' },
  issuer: { type: 'string' },
  'no-browser': { type: 'boolean' },
  timeout: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  account: { type: 'string' },
  mailbox: { type: 'string' },
} satisfies ParseArgsConfig['options'];

type OptionName = keyof typeof OPTIONS;

/** Each command: how many positional arguments it takes and which options besides the store ones. */
const COMMANDS = {
  'account add': {
    args: ['id'],
    options: [
      'protocol',
      'host',
      'port',
      'tls',
      'user',
      'allow-plaintext',
      'ca-file',
      'servername',
      'insecure',
      'oauth2',
    ],
  },
  'account oauth': {
    args: ['id'],
    options: [
      'provider',
      'client-id',
      'client-secret-stdin',
      'app',
      'tenant',
      'user',
      'login-hint',
      'protocol',
      'host',
      'port',
      'tls',
      'allow-plaintext',
      'ca-file',
      'servername',
      'insecure',
      'authorize-url',
      'token-url',
      'device-url',
      'issuer',
      'scope',
      'no-browser',
      'timeout',
    ],
  },
  'account list': { args: [], options: [] },
  'account remove': { args: ['id'], options: [] },
  'token create': { args: [], options: ['accounts', 'scope', 'label'] },
  'token list': { args: [], options: [] },
  'token revoke': { args: ['tokenId'], options: [] },
  'oauth-app add': {
    args: ['name'],
    options: [
      'provider',
      'client-id',
      'client-secret-stdin',
      'tenant',
      'authorize-url',
      'token-url',
      'scope',
    ],
  },
  'oauth-app list': { args: [], options: [] },
  'oauth-app remove': { args: ['name'], options: [] },
  'webhook listen': { args: [], options: ['url', 'token', 'account', 'mailbox', 'port'] },
} satisfies Record<string, { args: string[]; options: OptionName[] }>;

export type CommandName = keyof typeof COMMANDS;

/** Commands that talk to a gateway over HTTP, not to a credential store: the store options are refused. */
export const GATEWAY_COMMANDS: ReadonlySet<CommandName> = new Set<CommandName>(['webhook listen']);

export type ParsedCommand =
  | { help: true }
  | {
      help: false;
      command: CommandName;
      args: string[];
      values: Partial<Record<OptionName, string | boolean>>;
    };

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/**
 * Parses `mailgate <group> <verb> [args] [options]`.
 * @throws UsageError for unknown commands or options, missing or extra arguments.
 */
export function parseCommand(argv: string[]): ParsedCommand {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };

  const name = positionals.slice(0, 2).join(' ');
  if (!isCommand(name)) {
    throw new UsageError(positionals.length === 0 ? 'no command given' : `unknown command "${name}"`);
  }
  const spec = COMMANDS[name];
  const args = positionals.slice(2);
  if (args.length !== spec.args.length) {
    throw new UsageError(`"${name}" takes ${spec.args.map((arg) => `<${arg}>`).join(' ') || 'no arguments'}`);
  }
  const allowed = new Set<string>([...(GATEWAY_COMMANDS.has(name) ? [] : STORE_OPTIONS), ...spec.options]);
  for (const option of Object.keys(values)) {
    if (!allowed.has(option)) throw new UsageError(`"${name}" does not take --${option}`);
  }
  return { help: false, command: name, args, values };
}

/** A required string option, or a UsageError naming it. */
export function requireOption(
  values: Partial<Record<OptionName, string | boolean>>,
  name: OptionName,
): string {
  const value = values[name];
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`--${name} is required`);
  return value;
}

/** A string option restricted to `choices`, or a UsageError listing them. */
export function requireChoice<T extends string>(
  values: Partial<Record<OptionName, string | boolean>>,
  name: OptionName,
  choices: readonly T[],
): T {
  const value = requireOption(values, name);
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}`);
  }
  return value as T;
}

export type OptionValues = Partial<Record<OptionName, string | boolean>>;
