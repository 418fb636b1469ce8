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
/** Longest `detail` kept of a problem body: the gateway's own are a sentence or two. */
const MAX_PROBLEM_DETAIL_CHARS = 1000;
/** Longest `title`, `code` and `type` kept: each is a short phrase, a token or a URI. */
const MAX_SHORT_CHARS = 200;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

/**
 * The gateway (or something in front of it) answered with an error status.
 * `code`, `title` and `detail` come from the problem+json body (each
 * bounded in length), `status` always from the answer itself: a body cannot
 * claim a 500 was a 404. `problem` is that body as received (error bodies
 * are read to 64 KiB at most). An error answer that is not problem+json (a
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
    const code = clip(problem.code, MAX_SHORT_CHARS);
    const detail = clip(problem.detail, MAX_PROBLEM_DETAIL_CHARS);
    super(`${response.status} ${code}: ${detail}`);
    this.problem = problem;
    this.response = response;
    this.code = code;
    this.status = response.status;
    this.title = clip(problem.title, MAX_SHORT_CHARS);
    this.detail = detail;
    this.type = clip(problem.type, MAX_SHORT_CHARS);
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
