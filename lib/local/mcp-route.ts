import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { McpDeps } from '../mcp/session.js';

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/** Every MCP target starts so (lib/mcp/http.ts's isMcpTarget decides exactly, once loaded). */
const MCP_PREFIX = '/mcp';

let mcp: Promise<typeof import('../mcp/http.js')> | undefined;

/**
 * The MCP side (the SDK, its JSON-schema validator, the tools' schemas) is
 * loaded on the first request to /mcp, not at start: a server nobody asks
 * over MCP neither waits for it nor holds it in memory (docs/BENCHMARKS.md,
 * local server start).
 */
function loadMcp(): Promise<typeof import('../mcp/http.js')> {
  mcp ??= import('../mcp/http.js');
  return mcp;
}

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
    // Every other path goes to the app at once, without loading the MCP side (see loadMcp).
    if (!request.url?.startsWith(MCP_PREFIX)) {
      app.call(server, request, response);
      return;
    }
    loadMcp().then(
      ({ answerMcpFailure, handleMcpRequest, isMcpTarget }) => {
        if (!isMcpTarget(request.url)) {
          app.call(server, request, response);
          return;
        }
        handleMcpRequest(deps, request, response).catch((error: unknown) =>
          answerMcpFailure(deps, response, error),
        );
      },
      (error: unknown) => {
        deps.logger.error('the MCP module failed to load', { error });
        response.destroy();
      },
    );
  });
}
