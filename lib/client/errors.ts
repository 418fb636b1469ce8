import type { components } from './openapi.gen.js';

/** An error answer of the gateway: RFC 9457 problem+json with a stable `code`. */
export type Problem = components['schemas']['Problem'];

/**
 * The codes this version of the document lists, plus any string: a newer
 * gateway may answer a code this client was generated without, and the type
 * should not claim otherwise.
 */
export type ProblemCode = Problem['code'] | (string & {});

/** A problem body as received: the five standard members (any code) and whatever else it carries. */
export type ProblemBody = Omit<Problem, 'code'> & { code: ProblemCode } & Record<string, unknown>;

/** Longest piece of a non-problem error body kept in `detail`: enough to see what answered, bounded. */
const MAX_DETAIL_CHARS = 300;

/**
 * The gateway (or something in front of it) answered with an error status.
 * `code`, `status`, `title` and `detail` come from the problem+json body;
 * `problem` is that body whole. An error answer that is not problem+json (a
 * proxy's HTML page, an empty 502) is surfaced the same way with the code
 * `unexpected_response` and the start of the body as `detail`.
 *
 * Network failures (DNS, refused connection, TLS, an aborted signal) are
 * not turned into this: they reach the caller as `fetch` threw them
 * (`TypeError`, `AbortError` …), so "the server said no" and "the server
 * was not reached" stay distinguishable.
 */
export class MailgateError extends Error {
  override readonly name = 'MailgateError';
  readonly code: ProblemCode;
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly type: string;
  /** The whole problem body, members beyond the five standard ones included. */
  readonly problem: ProblemBody;
  /** The answer, its body already read: headers such as `Retry-After` or `WWW-Authenticate`. */
  readonly response: Response;

  constructor(problem: ProblemBody, response: Response) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
    this.problem = problem;
    this.response = response;
    this.code = problem.code;
    this.status = problem.status;
    this.title = problem.title;
    this.detail = problem.detail;
    this.type = problem.type;
  }

  /** The error for an answer whose status was not 2xx; `body` is what openapi-fetch parsed of it. */
  static fromResponse(response: Response, body: unknown): MailgateError {
    if (isProblem(body)) return new MailgateError(body, response);
    const text = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
    return new MailgateError(
      {
        type: 'about:blank',
        title: response.statusText || 'Unexpected response',
        status: response.status,
        detail: text.slice(0, MAX_DETAIL_CHARS) || `HTTP ${response.status} without a problem body`,
        code: 'unexpected_response',
      },
      response,
    );
  }
}

function isProblem(body: unknown): body is ProblemBody {
  if (typeof body !== 'object' || body === null) return false;
  const { code, status, title, detail, type } = body as Record<string, unknown>;
  return (
    typeof code === 'string' &&
    typeof status === 'number' &&
    typeof title === 'string' &&
    typeof detail === 'string' &&
    typeof type === 'string'
  );
}

/**
 * The data of a raw `client.api` call, or its error thrown as a
 * MailgateError: `const page = unwrap(await client.api.GET(path, init))`.
 */
export function unwrap<Data>(result: { data?: Data; error?: unknown; response: Response }): Data {
  if (!result.response.ok) throw MailgateError.fromResponse(result.response, result.error);
  return result.data as Data;
}
