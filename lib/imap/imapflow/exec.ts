import type { ImapFlow } from 'imapflow';
import { encodePath, enhanceCommandError, getStatusCode, normalizePath } from 'imapflow/lib/tools.js';
import { internalsOf, type ParsedResponse, type UntaggedHandler } from './client-internals.js';

/** A command argument in imapflow's wire-compiler form. */
export type CommandAttribute = { type: 'ATOM' | 'SEQUENCE' | 'STRING'; value: string } | CommandAttribute[];

/**
 * A mailbox name as a command argument, in modified UTF-7 unless UTF8=ACCEPT
 * is on (imapflow decides), always quoted (or a literal where imapflow needs one).
 */
export function mailboxArgument(client: ImapFlow, path: string): CommandAttribute {
  return { type: 'STRING', value: encodePath(client, normalizePath(client, path)) };
}

/**
 * Sends one command and returns its tagged OK, handing selected untagged
 * responses to `untagged`. Reaches past imapflow's typed surface (its
 * `exec`) because its public write methods answer `false` on any NO and
 * drop the response code, the COPYUID of a tagged OK in some paths, and the
 * FETCH a STORE answers with; a write must know exactly which of those
 * happened. A NO or BAD rejects with imapflow's own error, its
 * `serverResponseCode` filled in, so `mapImapError` can tell `[TRYCREATE]`
 * from `[OVERQUOTA]`.
 */
export async function sendCommand(
  client: ImapFlow,
  command: string,
  attributes: CommandAttribute[] | false,
  untagged?: Record<string, UntaggedHandler>,
): Promise<ParsedResponse> {
  const executor = internalsOf(client);
  if (typeof executor.exec !== 'function') {
    throw new Error('this imapflow version has no exec(); the write path needs it');
  }
  try {
    const { response, next } = await executor.exec.call(client, command, attributes, { untagged });
    next();
    return response;
  } catch (error) {
    if (error && typeof error === 'object' && 'response' in error)
      await enhanceCommandError(error as Parameters<typeof enhanceCommandError>[0]);
    throw error;
  }
}

/** The response code of a line (`COPYUID`, `TRYCREATE`), upper-cased, or null. */
export function responseCodeOf(response: ParsedResponse): string | null {
  const code = getStatusCode(response as Parameters<typeof getStatusCode>[0]);
  return typeof code === 'string' && code !== '' ? code : null;
}

/** The atoms after the response code name: `[COPYUID 9 1:2 5:6]` → `['9', '1:2', '5:6']`. */
export function responseCodeArgs(response: ParsedResponse): string[] {
  const first = response.attributes?.[0];
  const section = first && !Array.isArray(first) ? first.section : undefined;
  if (!section) return [];
  return section.slice(1).map((node) => (typeof node?.value === 'string' ? node.value : ''));
}
