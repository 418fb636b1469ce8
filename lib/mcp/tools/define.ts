import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  type ToolAnnotations,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { accountParams } from '../../http/schemas/account.schema.js';
import { messageParams } from '../../http/schemas/message.schema.js';
import { transferBody } from '../../http/schemas/write.schema.js';
import { ForbiddenError, InvalidRequestError } from '../../mail/errors.js';
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
 * Runs one call of `spec`: arguments validated by the tool's whole input
 * schema (a failure is the HTTP API's 400 `invalid_request`, with its
 * words), the scope checked again for a write tool (a token whose scope
 * changed is refused `forbidden`), and any failure as a tool error with its
 * stable code. A call the client cancelled (or a connection that closed) is
 * not a failure of the gateway: it is logged at debug and its answer, which
 * nobody reads, carries no detail.
 */
export async function callTool(
  session: McpSession,
  spec: ToolSpec,
  input: Record<string, unknown> | undefined,
  cancel: AbortSignal,
): Promise<CallToolResult> {
  const { logger } = session.deps;
  try {
    const args = parsed(z.object(spec.inputSchema).safeParse(input ?? {}));
    if (spec.write) await session.requireWrite();
    return await spec.run(session, args, cancel);
  } catch (error) {
    if (cancel.aborted) {
      logger.debug('tool call cancelled', { tool: spec.name });
      return { isError: true, content: [{ type: 'text', text: 'cancelled' }] };
    }
    return toolError(error, logger);
  }
}

/**
 * Registers the tools the session's grant may use: a read token's session
 * has no write tools at all (tools/list does not name them). `tools/call`
 * is answered by `callTool` rather than the SDK's own handler, whose input
 * validation and unknown-tool failures carry no code: here a bad argument is
 * `invalid_request`, a write tool asked for by a read token `forbidden`,
 * and a name that is no tool `invalid_request`, each with `{code, detail}`.
 */
export function registerTools(server: McpServer, session: McpSession, specs: readonly ToolSpec[]): void {
  const served = new Map<string, ToolSpec>();
  for (const spec of specs) {
    if (spec.write && !session.canWrite) continue;
    served.set(spec.name, spec);
    server.registerTool(
      spec.name,
      { description: spec.description, inputSchema: spec.inputSchema, annotations: spec.annotations },
      (args: Record<string, unknown>, extra: { signal: AbortSignal }) =>
        callTool(session, spec, args, extra.signal),
    );
  }
  const known = new Set(specs.map((spec) => spec.name));
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: input } = request.params;
    const spec = served.get(name);
    if (spec) return callTool(session, spec, input, extra.signal);
    const error = known.has(name)
      ? new ForbiddenError(`The tool ${name} changes mail and needs a write token.`)
      : new InvalidRequestError(`There is no tool named '${name.slice(0, 60)}'.`);
    return toolError(error, session.deps.logger);
  });
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
