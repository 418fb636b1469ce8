/**
 * `npm run lint:openapi`: lints the OpenAPI document exactly as the gateway
 * serves it (`GET /openapi.json` of the real app, answered in process: no
 * server, no network) with Redocly CLI's `recommended` ruleset, and fails on
 * any error or warning. Redocly is run offline: its telemetry and its update
 * check are switched off through its own environment variables.
 *
 * Exits 0 when the document is clean, 1 otherwise (Redocly's report on stderr).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig } from '../../lib/config/env.js';
import type { CredentialStore } from '../../lib/credentials/store.js';
import { createApp } from '../../lib/http/app.js';
import { createLogger } from '../../lib/log/create-logger.js';
import type { MailStoreFactory } from '../../lib/mail/store.js';

const run = promisify(execFile);

/** The locally installed CLI: never fetched, never the one on PATH. */
const REDOCLY = fileURLToPath(new URL('../../node_modules/.bin/redocly', import.meta.url));

/** Redocly's own switches for its calls home: usage data, the npm update check and notices. */
const OFFLINE_ENV = {
  REDOCLY_TELEMETRY: 'off',
  REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
  REDOCLY_SUPPRESS_NOTIFICATIONS: 'true',
};

/** The service routes outside `/v1`: public, and nothing in them can be refused with a 4xx. */
const PUBLIC_PATHS = ['/health', '/openapi.json', '/docs'];

const ERROR_STATUSES = [
  ...['400', '401', '403', '404', '405', '408', '409', '413', '415', '422', '431'],
  ...['500', '501', '502', '503', '504'],
];
const SUCCESS_STATUSES = ['200', '201', '202'];

/**
 * Redocly's `recommended` rules, plus what this project asks of every
 * operation: a description, an example for each request body and each
 * success answer, and every error answer as problem+json whose schema is a
 * `$ref` to the one Problem schema. Written as JSON (which is YAML) beside
 * the document, so no config file lives in the repository.
 */
export const LINT_CONFIG = {
  extends: ['recommended'],
  telemetry: 'off',
  rules: {
    'operation-description': 'error',
    'security-defined': { severity: 'error', exceptions: PUBLIC_PATHS.map((path) => ({ path })) },
    'rule/request-body-example': {
      subject: { type: 'MediaType' },
      where: [{ subject: { type: 'RequestBody' }, assertions: { defined: true } }],
      assertions: { requireAny: ['example', 'examples'] },
      message: 'Every request body media type needs an example.',
      severity: 'error',
    },
    'rule/success-response-example': {
      subject: { type: 'MediaType' },
      where: [
        {
          subject: { type: 'Response', filterInParentKeys: SUCCESS_STATUSES },
          assertions: { defined: true },
        },
      ],
      assertions: { requireAny: ['example', 'examples'] },
      message: 'Every success answer media type needs an example.',
      severity: 'error',
    },
    'rule/error-response-problem': {
      subject: { type: 'MediaTypesMap' },
      where: [
        {
          subject: { type: 'Response', filterInParentKeys: ERROR_STATUSES },
          assertions: { defined: true },
        },
      ],
      assertions: { required: ['application/problem+json'] },
      message: 'Every error answer is application/problem+json.',
      severity: 'error',
    },
    'rule/error-response-problem-schema': {
      subject: { type: 'MediaType', property: 'schema', filterInParentKeys: ['application/problem+json'] },
      assertions: { ref: '/^#\\/components\\/schemas\\/Problem$/' },
      message: 'Every problem+json answer references the Problem schema.',
      severity: 'error',
    },
  },
};

/** Answering /openapi.json reads no account, token or mailbox: any use of one is a bug here. */
const unused = (what: string) =>
  new Proxy(
    {},
    {
      get(_target, property) {
        throw new Error(`building the OpenAPI document touched ${what}.${String(property)}`);
      },
    },
  );

/** The document the gateway serves at GET /openapi.json, from the real app in process. */
export async function servedDocument(): Promise<unknown> {
  const app = createApp({
    credentials: unused('credentials') as CredentialStore,
    stores: unused('stores') as MailStoreFactory,
    config: loadConfig({}),
    logger: createLogger({ level: 'silent' }),
  });
  const response = await app.request('http://127.0.0.1/openapi.json');
  if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}`);
  return response.json();
}

export interface LintResult {
  /** True when Redocly reported neither an error nor a warning. */
  clean: boolean;
  /** Redocly's report (its stdout and stderr). */
  output: string;
}

/**
 * Writes the served document and LINT_CONFIG to a temporary directory and
 * runs `redocly lint` on them; warnings count as failures (`--max-problems`
 * keeps the whole list, `--format stylish` one line each).
 */
export async function lintServedDocument(): Promise<LintResult> {
  const dir = await mkdtemp(join(tmpdir(), 'mailgate-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    const config = join(dir, 'redocly.yaml');
    await writeFile(file, JSON.stringify(await servedDocument(), null, 2));
    await writeFile(config, JSON.stringify(LINT_CONFIG, null, 2));
    const args = ['lint', file, '--config', config, '--format', 'stylish', '--max-problems', '1000'];
    const env = { ...process.env, ...OFFLINE_ENV, NO_COLOR: '1' };
    try {
      const { stdout, stderr } = await run(REDOCLY, args, { env, cwd: dir, maxBuffer: 16 * 1024 * 1024 });
      const output = `${stdout}${stderr}`;
      // Redocly exits 0 on warnings; a warning fails here all the same.
      return { clean: !/\bwarnings?\b/i.test(summaryLine(output)), output };
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      return { clean: false, output: `${stdout}${stderr}` || String(error) };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Redocly's closing line, e.g. "Woohoo! Your API description is valid. 🎉" or "… 3 warnings". */
function summaryLine(output: string): string {
  return (
    output
      .split('\n')
      .filter((line) => /valid|error|warning/i.test(line))
      .pop() ?? ''
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { clean, output } = await lintServedDocument();
  process.stderr.write(output.endsWith('\n') ? output : `${output}\n`);
  process.exit(clean ? 0 : 1);
}
