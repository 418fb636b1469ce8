import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { McpSession } from './session.js';
import { getAttachmentText } from './tools/attachment-text.js';
import { registerTools } from './tools/define.js';
import { READ_TOOLS } from './tools/read-tools.js';
import { WRITE_TOOLS } from './tools/write-tools.js';

/** Every tool, read tools first; a read token's session lists only those. */
export const TOOLS = [...READ_TOOLS, getAttachmentText, ...WRITE_TOOLS];

/** The version the server reports in its handshake. */
const SERVER_INFO = { name: 'mailgate', version: '1.0.0' };

const INSTRUCTIONS =
  'Mail accounts through the mailgate gateway. Start with list_accounts, then list_mailboxes and ' +
  'search_messages; ids from a search name their message for get_message and the write tools. Errors carry ' +
  'a stable `code` (e.g. message_not_found, forbidden) in structuredContent.';

/** One MCP server for one session's grant: its tools are those the grant may use. */
export function createMcpServer(session: McpSession): McpServer {
  const server = new McpServer(SERVER_INFO, { instructions: INSTRUCTIONS });
  registerTools(server, session, TOOLS);
  return server;
}
