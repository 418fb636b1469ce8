import type { ImapFlow } from 'imapflow';
import { type ExecFunction, internalsOf, type ParsedResponse } from './client-internals.js';

/**
 * FETCH items imapflow's fetch query has no name for, added to the UID FETCH
 * it sends and read from the raw untagged rows before its answer shaping
 * drops them: `BINARY.SIZE[part]` (RFC 3516 §4.2, DECISIONS D16) and the
 * summaries' `PREVIEW` (RFC 8970).
 */

function atomValue(token: unknown): string | null {
  const value = (token as { value?: unknown } | null)?.value;
  return typeof value === 'string' ? value : null;
}

/** `BINARY.SIZE[part] n` pairs of one untagged FETCH row of message `uid` into `sizes`. */
function readBinarySizes(untagged: ParsedResponse, uid: number, sizes: Map<string, number>): void {
  const attributes = Array.isArray(untagged.attributes) ? untagged.attributes : [];
  const list: unknown[] = Array.isArray(attributes[1]) ? attributes[1] : [];
  const found = new Map<string, number>();
  let rowUid: number | null = null;
  for (let i = 0; i + 1 < list.length; i += 2) {
    const key = (atomValue(list[i]) ?? '').toUpperCase();
    const value = atomValue(list[i + 1]);
    if (value === null || !/^\d{1,15}$/.test(value)) continue;
    if (key === 'UID') rowUid = Number(value);
    // imapflow's tokenizer only splits a section off BODY and BINARY: this
    // key arrives as one atom `BINARY.SIZE[1.2]` (a section is read too).
    const section = (list[i] as { section?: unknown }).section;
    const part =
      key === 'BINARY.SIZE' && Array.isArray(section) && section.length === 1
        ? atomValue(section[0])
        : (/^BINARY\.SIZE\[([^\]]*)\]$/.exec(key)?.[1] ?? null);
    if (part !== null && /^\d+(\.\d+)*$/.test(part)) found.set(part, Number(value));
  }
  if (rowUid !== uid) return;
  for (const [part, size] of found) sizes.set(part, size);
}

/** A FETCH data item in imapflow's compiler form: an atom (`PREVIEW`, `BINARY.SIZE[2]`) or a list of them. */
export type FetchItem = { type: string; value: string; section?: unknown[] } | FetchItem[];

/**
 * Runs `fetch`, which must send one imapflow FETCH or UID FETCH (as
 * `commands` allows), with `items` appended to that command's attribute list
 * (once, for the first such command), and hands every raw untagged FETCH row
 * to `read` before imapflow formats it (imapflow's answer shaping drops items
 * it does not know). Null, with nothing sent, when `exec` is not reachable;
 * a refusal (NO/BAD) rejects as imapflow does. The one hook on imapflow's
 * `exec` for FETCH items: BINARY.SIZE and the summaries' PREVIEW use it.
 */
export async function fetchWithItems<T>(
  client: ImapFlow,
  commands: ReadonlyArray<'FETCH' | 'UID FETCH'>,
  items: readonly FetchItem[],
  read: (untagged: ParsedResponse) => void,
  fetch: () => Promise<T>,
): Promise<{ result: T } | null> {
  const executor = internalsOf(client);
  const original = executor.exec;
  if (typeof original !== 'function') return null;
  // Another wrapper of this client's exec (an own property) is kept and called.
  const hadOwn = Object.hasOwn(executor, 'exec');
  const restore = () => {
    if (executor.exec !== wrapper) return;
    if (hadOwn) executor.exec = original;
    else delete executor.exec;
  };
  const wrapper: ExecFunction = function (this: unknown, command, attributes, options) {
    if (
      !(commands as readonly string[]).includes(command) ||
      !Array.isArray(attributes) ||
      attributes.length < 2
    ) {
      return original.call(this, command, attributes, options);
    }
    restore();
    const query = attributes[1];
    const onFetch = options?.untagged?.FETCH;
    return original.call(
      this,
      command,
      [attributes[0], [...(Array.isArray(query) ? query : [query]), ...items], ...attributes.slice(2)],
      {
        ...options,
        untagged: {
          ...options?.untagged,
          FETCH: (untagged: ParsedResponse) => {
            read(untagged);
            return onFetch?.(untagged);
          },
        },
      },
    );
  };
  executor.exec = wrapper;
  try {
    return { result: await fetch() };
  } finally {
    restore();
  }
}

/**
 * Runs `fetch`, which must send one imapflow UID FETCH of message `uid`, with
 * `BINARY.SIZE[part]` added to that command for each of `parts`, and returns
 * its result with the sizes the server reported (see fetchWithItems). Sizes
 * are only what the server stated: a part it did not answer for is missing
 * from the map. Null, with nothing sent, when `exec` is not reachable; a
 * refusal (NO/BAD) rejects as imapflow does.
 */
export async function fetchWithBinarySizes<T>(
  client: ImapFlow,
  uid: number,
  parts: readonly string[],
  fetch: () => Promise<T>,
): Promise<{ result: T; sizes: Map<string, number> } | null> {
  const sizes = new Map<string, number>();
  const items = parts.map((part) => ({
    type: 'ATOM',
    value: 'BINARY.SIZE',
    section: [{ type: 'ATOM', value: part }],
  }));
  const answer = await fetchWithItems(
    client,
    ['UID FETCH'],
    items,
    (untagged) => readBinarySizes(untagged, uid, sizes),
    fetch,
  );
  return answer ? { result: answer.result, sizes } : null;
}
