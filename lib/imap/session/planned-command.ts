import type { FetchQueryObject, ImapFlow } from 'imapflow';
import { listAllCommandLine, openCommandLine, statusCommandLine, uidFetchLine } from '../imapflow/index.js';

/** `read` opens with EXAMINE (RFC 9051 §6.3.3), so nothing we do can change flags; `write` with SELECT. */
export type MailboxMode = 'read' | 'write';

/** A command a request will send first, announced so it can travel in LOGIN's flight. */
export type PlannedCommand =
  | { kind: 'open'; path: string; mode: MailboxMode }
  | { kind: 'list-all' }
  /**
   * `UID FETCH <uid> (…)` right after an `open`: its answer is handed over
   * only when imapflow sends the same FETCH, which the caller does only
   * after checking the UIDVALIDITY the open reported (see ImapSession.fetchAfterOpen).
   */
  | { kind: 'fetch'; uid: number; query: FetchQueryObject }
  | { kind: 'status'; path: string; query: { uidValidity?: true; uidNext?: true; messages?: true } };

/**
 * The lines imapflow will write for `plan` (after the tag, without CRLF),
 * built with its own compiler and path encoding as its session stands now:
 * the planned commands up to the first that cannot be pipelined (one that
 * needs a literal).
 */
export function plannedLines(client: ImapFlow, plan: readonly PlannedCommand[]): string[] {
  const lines: string[] = [];
  for (const command of plan) {
    const line =
      command.kind === 'open'
        ? openCommandLine(client, command.path, command.mode === 'read')
        : command.kind === 'list-all'
          ? listAllCommandLine()
          : command.kind === 'fetch'
            ? uidFetchLine(client, command.uid, command.query)
            : statusCommandLine(client, command.path, command.query);
    if (!line) break;
    lines.push(line);
  }
  return lines;
}
