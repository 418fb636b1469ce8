import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { accountParams } from '../../http/schemas/account.schema.js';
import { messageParams } from '../../http/schemas/message.schema.js';
import { transferBody } from '../../http/schemas/write.schema.js';
import { InvalidRequestError } from '../../mail/errors.js';
import { describeIssues, toolError } from '../results.js';
import type { McpSession } from '../session.js';

/** The path parameters every tool shares, taken from the routes' schemas. */
export const accountField = accountParams.shape.account.describe(
  'An account id, as list_accounts answers it.',
);
export const messageIdField = messageParams.shape.id.describe(
  'An opaque message id, as search_messages answers it; it names its mailbox.',
);
export const mailboxField = transferBody.shape.to.describe(
  'A full mailbox path (e.g. `INBOX`, `INBOX/Reports`) or a role: `~inbox`, `~sent`, `~drafts`, `~trash`, ' +
    '`~junk`, `~archive`. A path that itself starts with `~` is written with the tilde doubled.',
);

export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: z.ZodRawShape;
  annotations: ToolAnnotations;
  /** Write tools are listed to write tokens only. */
  write: boolean;
  run(session: McpSession, args: Record<string, unknown>, cancel: AbortSignal): Promise<CallToolResult>;
}

/** The route schema's output, or the HTTP API's 400 `invalid_request` with its words. */
export function parsed<T>(result: z.ZodSafeParseResult<T>): T {
  if (!result.success) throw new InvalidRequestError(describeIssues(result.error));
  return result.data;
}

/**
 * Registers the tools the session's grant may use: a read token's session
 * has no write tools at all (tools/list does not name them, a call is
 * refused as an unknown tool); each write tool checks the scope again at
 * call time, so a token whose scope changed is refused `forbidden`.
 */
export function registerTools(server: McpServer, session: McpSession, specs: readonly ToolSpec[]): void {
  for (const spec of specs) {
    if (spec.write && !session.canWrite) continue;
    server.registerTool(
      spec.name,
      { description: spec.description, inputSchema: spec.inputSchema, annotations: spec.annotations },
      async (args: Record<string, unknown>, extra: { signal: AbortSignal }) => {
        try {
          if (spec.write) await session.requireWrite();
          return await spec.run(session, args, extra.signal);
        } catch (error) {
          return toolError(error, session.deps.logger);
        }
      },
    );
  }
}

/** Optional fields left out: what a tool answers is read by a model, every empty field costs it. */
export function compact<T extends Record<string, unknown>>(value: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === null || field === undefined) continue;
    if (Array.isArray(field) && field.length === 0) continue;
    out[key] = field;
  }
  return out as Partial<T>;
}

/** A thing's rendering for the text part, cut to `max` characters. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Ids in the text part are quoted in full: a model copies them into the next call. */
export function addressText(
  address: { name?: string | null; address?: string | null } | null | undefined,
): string {
  if (!address) return '';
  const name = address.name ?? '';
  const mail = address.address ?? '';
  return name && mail ? `${name} <${mail}>` : name || mail;
}
