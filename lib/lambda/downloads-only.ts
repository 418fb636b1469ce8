import { buildProblem, PROBLEM_CONTENT_TYPE } from '../http/problem.js';

/** The part of an app a Lambda adapter calls. */
export interface FetchApp {
  fetch(request: Request, ...rest: never[]): Response | Promise<Response>;
}

/** Raw source and attachment downloads, and the health check for monitors. */
const SERVED = [
  /^\/v1\/accounts\/[^/]+\/messages\/[^/]+\/(?:raw|attachments\/[^/]+)$/,
  /^\/v1\/accounts\/[^/]+\/mailboxes\/[^/]+\/messages\/[^/]+\/(?:raw|attachments\/[^/]+)$/,
  /^\/health$/,
];

/**
 * Narrows the app behind the streaming Function URL to the downloads. The
 * URL has no API Gateway in front of it, so everything else (JSON routes,
 * docs) stays behind the HTTP API's throttling; a JSON path here gets a 404
 * problem that says where the API lives. Authentication is unchanged: the
 * download routes check the bearer token like every /v1 route.
 */
export function downloadsOnly<App extends FetchApp>(app: App): App {
  const narrowed = {
    fetch(request: Request, ...rest: never[]) {
      const { pathname } = new URL(request.url);
      if (SERVED.some((pattern) => pattern.test(pathname))) return app.fetch(request, ...rest);
      const problem = buildProblem(
        'not_found',
        'This endpoint serves downloads only; use the JSON API for the rest.',
      );
      return new Response(JSON.stringify(problem), {
        status: problem.status,
        headers: { 'Content-Type': PROBLEM_CONTENT_TYPE },
      });
    },
  };
  // The adapters only ever call `fetch`; the rest of the app's surface is not reachable through them.
  return narrowed as unknown as App;
}
