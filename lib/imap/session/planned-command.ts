import type { FetchQueryObject, ImapFlow, SearchObject } from 'imapflow';
import {
  listAllCommandLine,
  openCommandLine,
  sortCommandLine,
  statusCommandLine,
  threadCommandLine,
  uidFetchLine,
  uidSearchLine,
} from '../imapflow/index.js';

/** `read` opens with EXAMINE (RFC 9051 §6.3.3), so nothing we do can change flags; `write` with SELECT. */
export type MailboxMode = 'read' | 'write';

/** A command a request will send first, announced so it can travel in LOGIN's flight. */
export type PlannedCommand =
  | { kind: 'open'; path: string; mode: MailboxMode }
  | { kind: 'list-all' }
  | { kind: 'status'; path: string; query: { uidValidity?: true; uidNext?: true; messages?: true } }
  /**
   * `UID FETCH <uid> (…)` right after an `open`: its answer is handed over
   * only when imapflow sends the same FETCH, which the caller does only
   * after checking the UIDVALIDITY the open reported (see ImapSession.afterOpen).
   */
  | { kind: 'fetch'; uid: number; query: FetchQueryObject }
  /**
   * `UID SORT (criteria) UTF-8 search` (RFC 5256) right after an `open`,
   * only to a server that has SORT (and SORT=DISPLAY for DISPLAYFROM): known
   * after LOGIN, before it from the last LOGIN to that server (known-capabilities.ts).
   */
  | { kind: 'sort'; criteria: readonly string[]; search: SearchObject | null }
  /**
   * `UID THREAD algorithm UTF-8 search` right after an `open`: the first of
   * `algorithms` the server has (`THREAD=<name>`), known as for `sort`.
   */
  | { kind: 'thread'; algorithms: readonly string[]; search: SearchObject | null }
  /**
   * `UID SEARCH [RETURN (…)] criteria` right after an `open`, built for the
   * server's capabilities (ESEARCH), known as for `sort`; none when unknown.
   */
  | { kind: 'search'; query: SearchObject; returnOptions: readonly string[] };

/** A command announced to follow the next open (ImapSession.afterOpen). */
export type AfterOpen = Extract<PlannedCommand, { kind: 'fetch' | 'sort' | 'thread' | 'search' }>;

/**
 * The capabilities a line may rely on: the session's once it is
 * authenticated; before, what the server announced after the last LOGIN of
 * this process (`expected`), or none.
 */
function capabilitiesFor(client: ImapFlow, expected: ReadonlySet<string> | undefined) {
  return client.authenticated !== false ? client.capabilities : expected;
}

function lineOf(
  client: ImapFlow,
  command: PlannedCommand,
  expected: ReadonlySet<string> | undefined,
): string | null {
  switch (command.kind) {
    case 'open':
      return openCommandLine(client, command.path, command.mode === 'read');
    case 'list-all':
      return listAllCommandLine();
    case 'status':
      return statusCommandLine(client, command.path, command.query);
    case 'fetch':
      return uidFetchLine(client, command.uid, command.query, capabilitiesFor(client, expected));
    case 'sort': {
      const caps = capabilitiesFor(client, expected);
      const display = command.criteria.includes('DISPLAYFROM');
      if (!caps?.has('SORT') || (display && !caps.has('SORT=DISPLAY'))) return null;
      return sortCommandLine(client, command.criteria, command.search);
    }
    case 'thread': {
      const caps = capabilitiesFor(client, expected);
      const algorithm = command.algorithms.find((name) => caps?.has(`THREAD=${name}`));
      return algorithm ? threadCommandLine(client, algorithm, command.search) : null;
    }
    case 'search': {
      const caps = capabilitiesFor(client, expected);
      return caps ? uidSearchLine(client, command.query, command.returnOptions, caps) : null;
    }
  }
}

/**
 * The lines imapflow will write for `plan` (after the tag, without CRLF),
 * built with its own compiler and path encoding as its session stands now:
 * the planned commands up to the first that cannot be pipelined (one that
 * needs a literal, or that the server cannot have).
 */
export function plannedLines(
  client: ImapFlow,
  plan: readonly PlannedCommand[],
  expected?: ReadonlySet<string>,
): string[] {
  const lines: string[] = [];
  for (const command of plan) {
    let line: string | null;
    try {
      line = lineOf(client, command, expected);
    } catch {
      // imapflow's compilers throw for what a server cannot take: that command is not sent ahead.
      line = null;
    }
    if (!line) break;
    lines.push(line);
  }
  return lines;
}
