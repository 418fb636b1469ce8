import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { buildProblem, PROBLEM_CONTENT_TYPE } from '../http/problem.js';
import { type ErrorCode, isMailgateError } from '../mail/errors.js';
import { createMcpServer } from './create-server.js';
import { authenticate, type McpDeps, McpSession } from './session.js';

/** Where the local server answers MCP (streamable HTTP). Not on Lambda, and not in the OpenAPI document. */
export const MCP_PATH = '/mcp';

/** Largest JSON-RPC request body read: tool arguments are small (the largest, a list query, is a few KiB). */
export const MCP_BODY_LIMIT_BYTES = 1024 * 1024;

/** RFC 6750 §2.1, as lib/http's bearerAuth: the scheme is case-insensitive; b64token characters only. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Whether a request target is the MCP endpoint (its path alone, any query ignored). */
export function isMcpTarget(url: string | undefined): boolean {
  return url !== undefined && (url === MCP_PATH || url.startsWith(`${MCP_PATH}?`));
}

function answerProblem(
  response: ServerResponse,
  code: ErrorCode,
  detail: string,
  headers: Record<string, string> = {},
): void {
  const problem = buildProblem(code, detail);
  const body = JSON.stringify(problem);
  response.writeHead(problem.status, {
    ...headers,
    'Content-Type': PROBLEM_CONTENT_TYPE,
    'Content-Length': String(Buffer.byteLength(body)),
  });
  response.end(body);
}

/**
 * One MCP request over streamable HTTP, stateless: a new server and
 * transport for each POST (`sessionIdGenerator: undefined`, JSON answers, no
 * SSE stream), as every gateway request is independent. The bearer token is
 * checked first, as on /v1 (401 problem+json with the same challenge, 403
 * for an admin token); its grant decides the tools the server has. GET
 * (a standalone SSE stream) and DELETE (ending a session) mean nothing
 * without sessions: 405.
 */
export async function handleMcpRequest(
  deps: McpDeps,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (request.method !== 'POST') {
    answerProblem(response, 'method_not_allowed', 'The MCP endpoint takes POST only (stateless).', {
      Allow: 'POST',
    });
    return;
  }
  const header = request.headers.authorization;
  if (!header) {
    answerProblem(response, 'unauthorized', 'A valid bearer token is required.', {
      'WWW-Authenticate': 'Bearer realm="mailgate"',
    });
    return;
  }
  const invalid = { 'WWW-Authenticate': 'Bearer realm="mailgate", error="invalid_token"' };
  const token = BEARER.exec(header)?.[1];
  // A header that is not a bearer token is refused as an invalid one, as on /v1.
  if (token === undefined) {
    answerProblem(response, 'unauthorized', 'The bearer token is not valid.', invalid);
    return;
  }
  let session: McpSession;
  try {
    const grant = await authenticate(deps, token);
    deps.logger.debug('mcp request authenticated', { tokenId: grant.tokenId, scope: grant.scope });
    session = new McpSession(deps, grant, async () => grant);
  } catch (error) {
    if (!isMailgateError(error)) throw error;
    answerProblem(response, error.code, error.detail, error.code === 'unauthorized' ? invalid : {});
    return;
  }
  const server = createMcpServer(session);
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
    maxRequestBodySize: MCP_BODY_LIMIT_BYTES,
  });
  response.once('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(request, response);
}

/** The last resort of the route: a bug answered 500 problem+json (nothing of it shown), or the socket ended. */
export function answerMcpFailure(deps: McpDeps, response: ServerResponse, error: unknown): void {
  deps.logger.error('the MCP request failed', { error });
  if (response.headersSent) response.destroy();
  else answerProblem(response, 'internal_error', 'An unexpected error occurred.');
}
