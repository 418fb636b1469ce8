import type { ImapFlow, SearchObject } from 'imapflow';
import { searchCompiler } from 'imapflow/lib/search-compiler.js';
import { UpstreamUnavailableError } from '../../mail/errors.js';
import type { ResponseItem } from './client-internals.js';
import { compileLine } from './command-lines.js';
import { type CommandAttribute, sendCommand } from './exec.js';
import { quoteSearchStrings, type WireToken } from './search-quoting.js';

/**
 * UID SORT and UID THREAD (RFC 5256), which imapflow has no method for:
 * sent through `sendCommand`, the search part compiled by imapflow's own
 * SEARCH compiler and quoted like every SEARCH (quoteSearchStrings), the
 * answers read with a cap on how many UIDs one answer may hold.
 */

/** Most UIDs one SORT or THREAD answer may carry; a longer answer fails the request. */
export const MAX_SORTED_UIDS = 200_000;

const UID = /^[1-9][0-9]{0,9}$/;

/** What a server's SORT or THREAD answer broke: too many UIDs, or something that is no UID. */
class SortAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SortAnswerError';
  }
}

/**
 * Runs an answer's reader inside imapflow's untagged handler, keeping the
 * first failure to raise once the command has ended (a throw inside the
 * handler would be imapflow's to deal with), and skips later lines after one.
 */
function guarded(read: (attributes: ResponseItem[]) => void) {
  let failure: SortAnswerError | null = null;
  return {
    handler: (untagged: { attributes?: ResponseItem[] }) => {
      if (failure) return;
      try {
        read(untagged.attributes ?? []);
      } catch (error) {
        failure = error instanceof SortAnswerError ? error : new SortAnswerError(String(error));
      }
    },
    check() {
      if (failure) {
        throw new UpstreamUnavailableError(
          'The mail server answered a sort or thread request unexpectedly.',
          {
            cause: failure,
          },
        );
      }
    },
  };
}

function isAtom(token: WireToken | undefined, value: string): boolean {
  return (
    token !== undefined &&
    !Array.isArray(token) &&
    token.type === 'ATOM' &&
    String(token.value).toUpperCase() === value
  );
}

/**
 * The search part of SORT/THREAD: imapflow's SEARCH criteria, every text
 * value quoted, without the `CHARSET UTF-8` it puts in front of non-ASCII
 * values (SORT and THREAD name their charset in a fixed place). `ALL` for no filter.
 */
function searchPart(client: ImapFlow, search: SearchObject | null): WireToken[] {
  if (search === null) return [{ type: 'ATOM', value: 'ALL' }];
  const tokens = quoteSearchStrings(searchCompiler(client, search) as WireToken[]);
  if (isAtom(tokens[0], 'CHARSET')) tokens.splice(0, 2);
  return tokens;
}

function uidOf(node: ResponseItem | undefined, collected: number): number {
  if (collected >= MAX_SORTED_UIDS) {
    throw new SortAnswerError(`the server's answer holds more than ${MAX_SORTED_UIDS} UIDs`);
  }
  const value = node && !Array.isArray(node) ? node.value : undefined;
  if (typeof value !== 'string' || !UID.test(value))
    throw new SortAnswerError('a UID in the answer is malformed');
  return Number(value);
}

function sortAttributes(
  client: ImapFlow,
  criteria: readonly string[],
  search: SearchObject | null,
): CommandAttribute[] {
  return [
    criteria.map((value) => ({ type: 'ATOM' as const, value })),
    { type: 'ATOM', value: 'UTF-8' },
    ...searchPart(client, search),
  ] as CommandAttribute[];
}

function threadAttributes(
  client: ImapFlow,
  algorithm: string,
  search: SearchObject | null,
): CommandAttribute[] {
  return [
    { type: 'ATOM', value: algorithm },
    { type: 'ATOM', value: 'UTF-8' },
    ...searchPart(client, search),
  ] as CommandAttribute[];
}

/**
 * The line `sortUids(client, criteria, search)` writes (after its tag, no
 * CRLF), to travel with the EXAMINE before it (command-lines.ts); null
 * when it would need a literal.
 */
export function sortCommandLine(
  client: ImapFlow,
  criteria: readonly string[],
  search: SearchObject | null,
): string | null {
  return compileLine('UID SORT', sortAttributes(client, criteria, search) as never);
}

/** The line `threadUids(client, algorithm, search)` writes, as sortCommandLine. */
export function threadCommandLine(
  client: ImapFlow,
  algorithm: string,
  search: SearchObject | null,
): string | null {
  return compileLine('UID THREAD', threadAttributes(client, algorithm, search) as never);
}

/**
 * `UID SORT (criteria) UTF-8 search`: the matching UIDs in the server's
 * order (ties in mailbox order, RFC 5256 §3). `criteria` are sort-key atoms
 * such as `['DATE']` or `['DISPLAYFROM']`.
 */
export async function sortUids(
  client: ImapFlow,
  criteria: readonly string[],
  search: SearchObject | null,
): Promise<number[]> {
  const uids: number[] = [];
  const attributes = sortAttributes(client, criteria, search);
  const answer = guarded((nodes) => {
    for (const node of nodes) uids.push(uidOf(node, uids.length));
  });
  await sendCommand(client, 'UID SORT', attributes, { SORT: answer.handler });
  answer.check();
  return uids;
}

/**
 * `UID THREAD algorithm UTF-8 search`: each thread's UIDs (in the order
 * the answer lists them), threads in the answer's order. A thread's tree
 * shape is not kept: the gateway shows a thread as its messages in arrival
 * order. Nesting is walked without recursion (imapflow's parser already
 * bounds its depth).
 */
export async function threadUids(
  client: ImapFlow,
  algorithm: string,
  search: SearchObject | null,
): Promise<number[][]> {
  const threads: number[][] = [];
  let collected = 0;
  const attributes = threadAttributes(client, algorithm, search);
  const answer = guarded((nodes) => {
    for (const top of nodes) {
      if (!Array.isArray(top)) throw new SortAnswerError('a thread in the answer is not a list');
      const uids: number[] = [];
      const stack: ResponseItem[] = [...top].reverse();
      while (stack.length > 0) {
        const item = stack.pop()!;
        if (Array.isArray(item)) {
          for (let i = item.length - 1; i >= 0; i--) stack.push(item[i]!);
        } else {
          uids.push(uidOf(item, collected));
          collected++;
        }
      }
      if (uids.length > 0) threads.push(uids);
    }
  });
  await sendCommand(client, 'UID THREAD', attributes, { THREAD: answer.handler });
  answer.check();
  return threads;
}
