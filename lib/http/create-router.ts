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
}

/** Renders zod issues as one sentence a client developer can act on. */
export function describeIssues(target: string, issues: readonly IssueLike[]): string {
  const noun = TARGET_NAMES[target] ?? target;
  const parts = issues.slice(0, 5).map((issue) => {
    const where = issue.path.map(String).join('.');
    return where ? `${noun} '${where}': ${issue.message}` : `${noun}: ${issue.message}`;
  });
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
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
