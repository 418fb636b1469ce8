/**
 * `npm run lint:openapi`: lints the OpenAPI document exactly as the gateway
 * serves it (`GET /openapi.json` of the real app, answered in process: no
 * server, no network) with Redocly CLI's `recommended` ruleset, and fails on
 * any error or warning. Redocly is run offline: its telemetry and its update
 * check are switched off through its own environment variables.
 *
 * Exits 0 when the document is clean, 1 otherwise (the problems on stderr).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { servedDocument } from './served-document.js';

export { servedDocument };

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
    'rule/error-response-content': {
      subject: { type: 'Response', property: 'content', filterInParentKeys: ERROR_STATUSES },
      assertions: { defined: true },
      message: 'Every error answer has a body: application/problem+json.',
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

/**
 * Problems Redocly reports that do not apply, each with its reason (its
 * ignore file, keyed by file, rule and JSON pointer). `operation-4xx-response`
 * on the service routes: they check nothing a client sends, so no 4xx is
 * theirs to document (a 404 or 405 belongs to another path or method).
 * `no-invalid-media-type-examples` on the `fields` examples of a message and
 * a page: a partial answer leaves out, by design, fields the full answer's
 * schema requires (D33); the full answer has its own example beside it.
 */
const pointer = (path: string) => `#/paths/${path.replaceAll('/', '~1')}`;
const FIELDS_EXAMPLE = '/get/responses/200/content/application~1json/examples/fields/value';
export const LINT_IGNORED = {
  'openapi.json': {
    'operation-4xx-response': PUBLIC_PATHS.map((path) => `${pointer(path)}/get/responses`),
    'no-invalid-media-type-examples': [
      `${pointer('/v1/accounts/{account}/mailboxes/{mailbox}/messages')}${FIELDS_EXAMPLE}/messages/0`,
      `${pointer('/v1/accounts/{account}/mailboxes/{mailbox}/messages/{id}')}${FIELDS_EXAMPLE}`,
      `${pointer('/v1/accounts/{account}/messages/{id}')}${FIELDS_EXAMPLE}`,
    ],
  },
};

export interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  /** JSON pointer into the document. */
  pointer: string;
}

export interface LintResult {
  /** True when Redocly reported neither an error nor a warning (ignored problems aside). */
  clean: boolean;
  problems: LintProblem[];
  /** One line per problem, for people. */
  report: string;
}

interface RedoclyJson {
  totals: { errors: number; warnings: number; ignored: number };
  problems: Array<{
    ruleId: string;
    severity: 'error' | 'warn';
    message: string;
    ignored?: boolean;
    location?: Array<{ pointer?: string }>;
  }>;
}

/**
 * Writes `document`, LINT_CONFIG and LINT_IGNORED to a temporary directory
 * and runs `redocly lint` there with its JSON report; a warning fails as an
 * error does (Redocly itself exits 0 on warnings).
 */
export async function lintDocument(document: unknown): Promise<LintResult> {
  const dir = await mkdtemp(join(tmpdir(), 'mailgate-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    const config = join(dir, 'redocly.yaml');
    await writeFile(file, JSON.stringify(document, null, 2));
    await writeFile(config, JSON.stringify(LINT_CONFIG, null, 2));
    await writeFile(join(dir, '.redocly.lint-ignore.yaml'), JSON.stringify(LINT_IGNORED, null, 2));
    const args = ['lint', file, '--config', config, '--format', 'json', '--max-problems', '10000'];
    const env = { ...process.env, ...OFFLINE_ENV, NO_COLOR: '1' };
    // Exit status 1 means problems were found: the JSON report on stdout says which.
    const { stdout } = await run(REDOCLY, args, { env, cwd: dir, maxBuffer: 64 * 1024 * 1024 }).catch(
      (error: { stdout?: string; stderr?: string }) => {
        if (!error.stdout) throw new Error(`redocly lint failed: ${error.stderr ?? String(error)}`);
        return { stdout: error.stdout };
      },
    );
    const result = JSON.parse(stdout) as RedoclyJson;
    const problems = result.problems
      .filter((problem) => problem.ignored !== true)
      .map(({ ruleId, severity, message, location }) => ({
        ruleId,
        severity,
        message,
        pointer: location?.[0]?.pointer ?? '',
      }));
    const report = [
      ...problems.map((p) => `${p.severity.padEnd(5)} ${p.ruleId}  ${p.pointer}  ${p.message}`),
      `${result.totals.errors} errors, ${result.totals.warnings} warnings, ${result.totals.ignored} ignored`,
    ].join('\n');
    return { clean: result.totals.errors === 0 && result.totals.warnings === 0, problems, report };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Lints the document the gateway serves. */
export async function lintServedDocument(): Promise<LintResult> {
  return lintDocument(await servedDocument());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { clean, report } = await lintServedDocument();
  process.stderr.write(`${report}\n`);
  process.exit(clean ? 0 : 1);
}
