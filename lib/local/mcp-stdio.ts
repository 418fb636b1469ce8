import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { loadConfig } from '../config/env.js';
import { createCredentialStore } from '../credentials/create-store.js';
import { poolOptionsFromEnv } from '../imap/index.js';
import { createLogger } from '../log/create-logger.js';
import { isMailgateError } from '../mail/errors.js';
import { createMcpServer } from '../mcp/create-server.js';
import { authenticate, McpSession } from '../mcp/session.js';
import { createLocalDeps } from './create-local-deps.js';

/** The environment variable that holds the bearer token: never argv, which `ps` shows to every user. */
export const MCP_TOKEN_ENV = 'MAILGATE_TOKEN';

export const MCP_USAGE = `Usage: mailgate mcp

Serves the Model Context Protocol on stdin/stdout for an MCP client (an AI
agent's host). The bearer token is read from ${MCP_TOKEN_ENV} (a read or a
write token, as for the HTTP API; a read token gets the read tools only).
The accounts and tokens come from the same credential store as npm start
(MAILGATE_STORE, MAILGATE_ACCOUNTS_FILE, ...). Logs go to stderr.
`;

export interface McpStdioIo {
  env: Record<string, string | undefined>;
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  cwd: string;
}

/**
 * `mailgate mcp`: checks the token, then serves MCP over stdio until stdin
 * ends. The token is looked up again before every tool call, so revoking it
 * stops a running session.
 * @returns the exit status: 0 after stdin ended, 1 for a refused token or a
 *   store that cannot be read, 2 for a usage error.
 */
export async function runMcpStdio(argv: string[], io: McpStdioIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stderr.write(MCP_USAGE);
    return 0;
  }
  if (argv.length > 0) {
    io.stderr.write(
      `mailgate mcp: takes no arguments (the token comes from ${MCP_TOKEN_ENV})\n\n${MCP_USAGE}`,
    );
    return 2;
  }
  const token = io.env[MCP_TOKEN_ENV];
  if (token === undefined || token === '') {
    io.stderr.write(`mailgate mcp: set ${MCP_TOKEN_ENV} to a read or write token\n\n${MCP_USAGE}`);
    return 2;
  }
  const config = loadConfig(io.env);
  // stdout carries the protocol: every log line goes to stderr.
  const logger = createLogger({
    level: config.MAILGATE_LOG_LEVEL,
    fields: { service: 'mailgate-mcp' },
    write: (line) => io.stderr.write(`${line}\n`),
  });
  const credentials = createCredentialStore(config, { cwd: io.cwd });
  // A long-lived process: keep IMAP connections between tool calls, as npm start does.
  const deps = createLocalDeps({ credentials, config, logger, reuse: poolOptionsFromEnv(io.env, 'on') });
  try {
    const grant = await authenticate(deps, token);
    const session = new McpSession(deps, grant, () => authenticate(deps, token));
    const server = createMcpServer(session);
    const transport = new StdioServerTransport(io.stdin, io.stdout);
    const ended = new Promise<void>((resolve) => {
      io.stdin.once('end', resolve);
      io.stdin.once('close', resolve);
      transport.onclose = () => resolve();
    });
    await server.connect(transport);
    await ended;
    await server.close();
    return 0;
  } catch (error) {
    if (!isMailgateError(error)) throw error;
    io.stderr.write(`mailgate mcp: ${error.code}: ${error.detail}\n`);
    return 1;
  } finally {
    deps.pool?.close();
  }
}
