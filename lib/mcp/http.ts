import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { REQUEST_ID_HEADER } from '../http/middleware/request-id.js';
import { buildProblem, PROBLEM_CONTENT_TYPE } from '../http/problem.js';
import type { ErrorCode } from '../mail/errors.js';
import { createMcpServer } from './create-server.js';
import { GENERIC_DETAIL, publicError } from './results.js';
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

/** As lib/http's request id: an incoming id is kept only if it cannot smuggle anything into headers or logs. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** JSON-RPC 2.0's code for a request that is not a valid one (§5.1). */
const JSONRPC_INVALID_REQUEST = -32600;
const JSONRPC_PARSE_ERROR = -32700;

function answerJsonRpcError(response: ServerResponse, status: number, code: number, message: string): void {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
  });
  response.end(body);
}

type Body = { kind: 'read'; text: string } | { kind: 'too_large' } | { kind: 'gone' };

/** The request body as UTF-8, read up to `limit` bytes (a declared or sent length beyond is not read on). */
async function readBody(request: IncomingMessage, limit: number): Promise<Body> {
  if (Number(request.headers['content-length']) > limit) return { kind: 'too_large' };
  const chunks: Buffer[] = [];
  let received = 0;
  try {
    for await (const chunk of request as AsyncIterable<Buffer>) {
      received += chunk.byteLength;
      if (received > limit) return { kind: 'too_large' };
      chunks.push(chunk);
    }
  } catch {
    return { kind: 'gone' };
  }
  return { kind: 'read', text: Buffer.concat(chunks).toString('utf8') };
}

/**
 * One MCP request over streamable HTTP, stateless: a new server and
 * transport for each POST (`sessionIdGenerator: undefined`, JSON answers, no
 * SSE stream), as every gateway request is independent. The bearer token is
 * checked first, as on /v1 (401 problem+json with the same challenge, 403
 * for an admin token); its grant decides the tools the server has. GET
 * (a standalone SSE stream) and DELETE (ending a session) mean nothing
 * without sessions: 405.
 *
 * As /v1: each request has an id (the caller's `X-Request-Id` when sane),
 * echoed and bound to every log line, and one access line (method, path,
 * status, duration; never the token or the body). A JSON-RPC batch (an
 * array) is refused 400: protocol 2025-06-18 dropped batching, and one POST
 * of many calls would hold as many mail connections at once. A client that
 * leaves while its token is checked is noticed, and nothing is run for it.
 */
export async function handleMcpRequest(
  deps: McpDeps,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const started = performance.now();
  const incoming = request.headers[REQUEST_ID_HEADER.toLowerCase()];
  const requestId = typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  const logger = deps.logger.child({ requestId });
  const requestDeps: McpDeps = { ...deps, logger };
  response.setHeader(REQUEST_ID_HEADER, requestId);
  let gone = false;
  const cleanups: Array<() => void> = [];
  response.once('close', () => {
    gone = !response.writableFinished;
    for (const cleanup of cleanups) cleanup();
    logger.info('request', {
      method: request.method,
      route: MCP_PATH,
      status: response.statusCode,
      durationMs: Math.round(performance.now() - started),
      ...(gone ? { clientGone: true } : {}),
    });
  });

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
    const grant = await authenticate(requestDeps, token);
    logger.debug('mcp request authenticated', { tokenId: grant.tokenId, scope: grant.scope });
    session = new McpSession(requestDeps, grant, async () => grant);
  } catch (error) {
    const { code, detail, internal } = publicError(error);
    if (internal) logger.error('request failed', { error, code });
    if (!gone) answerProblem(response, code, detail, code === 'unauthorized' ? invalid : {});
    return;
  }
  if (gone) return;
  const body = await readBody(request, MCP_BODY_LIMIT_BYTES);
  if (gone || body.kind === 'gone') return;
  if (body.kind === 'too_large') {
    answerJsonRpcError(
      response,
      413,
      JSONRPC_INVALID_REQUEST,
      `The request body is over ${MCP_BODY_LIMIT_BYTES} bytes.`,
    );
    return;
  }
  let message: unknown;
  try {
    message = JSON.parse(body.text);
  } catch {
    answerJsonRpcError(response, 400, JSONRPC_PARSE_ERROR, 'Parse error: the body is not JSON.');
    return;
  }
  if (Array.isArray(message)) {
    answerJsonRpcError(
      response,
      400,
      JSONRPC_INVALID_REQUEST,
      'JSON-RPC batches are not served (MCP 2025-06-18 dropped them): send one message per POST.',
    );
    return;
  }
  const server = createMcpServer(session);
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
    maxRequestBodySize: MCP_BODY_LIMIT_BYTES,
  });
  cleanups.push(() => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(request, response, message);
}

/** The last resort of the route: a bug answered 500 problem+json (nothing of it shown), or the socket ended. */
export function answerMcpFailure(deps: McpDeps, response: ServerResponse, error: unknown): void {
  deps.logger.error('the MCP request failed', { error });
  if (response.headersSent) response.destroy();
  else answerProblem(response, 'internal_error', GENERIC_DETAIL);
}
