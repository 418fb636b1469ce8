import { OpenAPIHono, type OpenAPIHonoOptions } from '@hono/zod-openapi';
import { InvalidRequestError } from '../mail/errors.js';
import type { AppEnv } from './app-env.js';

const TARGET_NAMES: Record<string, string> = {
  query: 'query parameter',
  param: 'path parameter',
  json: 'body field',
  header: 'header',
  form: 'form field',
  cookie: 'cookie',
};

interface IssueLike {
  path: PropertyKey[];
  message: string;
  code?: string;
  /** The keys of an `unrecognized_keys` issue. */
  keys?: readonly string[];
}

/** A 400 names at most this many issues, and of an object's unknown keys at most this many. */
const MAX_ISSUES = 5;
const MAX_KEYS_NAMED = 20;
/** A key or path segment is quoted up to this many characters: a client may send a megabyte-long key. */
const MAX_NAME_CHARS = 60;

function clip(name: string): string {
  return name.length > MAX_NAME_CHARS ? `${name.slice(0, MAX_NAME_CHARS)}…` : name;
}

/** Zod's own message lists every unknown key; an answer must not grow with the request. */
function issueMessage(issue: IssueLike): string {
  if (issue.code !== 'unrecognized_keys' || !issue.keys) return issue.message;
  const { keys } = issue;
  const named = keys.slice(0, MAX_KEYS_NAMED).map((key) => `"${clip(key)}"`);
  const more = keys.length > MAX_KEYS_NAMED ? ` and ${keys.length - MAX_KEYS_NAMED} more` : '';
  return `unknown key${keys.length === 1 ? '' : 's'} ${named.join(', ')}${more}`;
}

/** Renders zod issues as one sentence a client developer can act on, whatever the size of the request. */
export function describeIssues(target: string, issues: readonly IssueLike[]): string {
  const noun = TARGET_NAMES[target] ?? target;
  const parts = issues.slice(0, MAX_ISSUES).map((issue) => {
    const where = issue.path.map((segment) => clip(String(segment))).join('.');
    const message = issueMessage(issue);
    return where ? `${noun} '${where}': ${message}` : `${noun}: ${message}`;
  });
  const more = issues.length > MAX_ISSUES ? ` (and ${issues.length - MAX_ISSUES} more)` : '';
  return `Invalid request: ${parts.join('; ')}${more}.`;
}

/**
 * The one validation hook of every route: a failed zod parse becomes the
 * same problem+json as any other InvalidRequestError, via onError.
 * @throws InvalidRequestError when validation failed.
 */
export const validationHook: NonNullable<OpenAPIHonoOptions<AppEnv>['defaultHook']> = (result) => {
  if (!result.success) {
    throw new InvalidRequestError(describeIssues(result.target, result.error.issues));
  }
};

/** Every feature router shares the validation hook, so all 400s look alike. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}
