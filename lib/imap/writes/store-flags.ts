import type { ImapFlow } from 'imapflow';
import {
  type CommandAttribute,
  type ParsedResponse,
  type ResponseItem,
  sendCommand,
} from '../imapflow/index.js';

export type StoreOperation = '+FLAGS' | '-FLAGS' | 'FLAGS';

/** UID and FLAGS of one untagged FETCH, as the server wrote them. */
export interface FetchedFlags {
  uid: number;
  flags: string[];
}

function atom(node: ResponseItem | undefined): string | null {
  return node && !Array.isArray(node) && typeof node.value === 'string' ? node.value : null;
}

/**
 * UID and FLAGS from `* 3 FETCH (UID 7 FLAGS (\Seen foo))`; null when the
 * line lacks either (a FETCH about another change may carry only one).
 * `\Recent` is dropped: it is session state, not a flag of the message.
 */
export function parseFetchedFlags(untagged: ParsedResponse): FetchedFlags | null {
  const items = untagged.attributes?.[1];
  if (!Array.isArray(items)) return null;
  let uid: number | null = null;
  let flags: string[] | null = null;
  for (let i = 0; i + 1 < items.length; i += 2) {
    const key = atom(items[i])?.toUpperCase();
    const value = items[i + 1];
    if (key === 'UID') {
      const text = atom(value);
      uid = text && /^[1-9][0-9]{0,9}$/.test(text) ? Number(text) : null;
    } else if (key === 'FLAGS' && Array.isArray(value)) {
      flags = value.map((node) => atom(node)).filter((flag): flag is string => flag !== null);
    }
  }
  if (uid === null || flags === null) return null;
  return { uid, flags: flags.filter((flag) => flag.toLowerCase() !== '\\recent') };
}

/**
 * One `UID STORE <set> <op>[.SILENT] (<flags>)`. Without SILENT the server
 * answers with a FETCH for each message whose flags it changed (Dovecot
 * sends none for a message already in the asked state), handed to
 * `onFetch`. Flags must already be checked atoms (see flag-list.ts).
 */
export async function storeFlags(
  client: ImapFlow,
  uidSet: string,
  operation: StoreOperation,
  flags: readonly string[],
  options: { silent: boolean; onFetch?: (fetched: FetchedFlags) => void },
): Promise<void> {
  const attributes: CommandAttribute[] = [
    { type: 'SEQUENCE', value: uidSet },
    { type: 'ATOM', value: options.silent ? `${operation}.SILENT` : operation },
    flags.map((flag): CommandAttribute => ({ type: 'ATOM', value: flag })),
  ];
  await sendCommand(client, 'UID STORE', attributes, {
    FETCH: (untagged) => {
      const fetched = parseFetchedFlags(untagged);
      if (fetched) options.onFetch?.(fetched);
    },
  });
}
