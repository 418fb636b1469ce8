import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { answerMcpFailure, handleMcpRequest, isMcpTarget } from '../mcp/http.js';
import type { McpDeps } from '../mcp/session.js';

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Serves MCP (streamable HTTP) at /mcp beside the app on the local server.
 * The app (lib/http, hono) is the first `request` listener, the one
 * `createServer` was given; it is replaced by one that hands /mcp to the
 * MCP transport and everything else to the app, so the MCP SDK stays out of
 * lib/http and of every Lambda bundle. The server's other listeners (its
 * bookkeeping of answering sockets) keep running for every request.
 */
export function serveMcp(server: Server, deps: McpDeps): void {
  const [app] = server.listeners('request') as RequestListener[];
  if (app === undefined) throw new Error('serveMcp: the server has no app to serve beside');
  server.removeListener('request', app);
  server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    if (!isMcpTarget(request.url)) {
      app.call(server, request, response);
      return;
    }
    handleMcpRequest(deps, request, response).catch((error: unknown) =>
      answerMcpFailure(deps, response, error),
    );
  });
}
