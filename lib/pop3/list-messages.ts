import { UnsupportedOperationError } from '../mail/errors.js';
import { encodePop3MessageId } from '../mail/ids.js';
import { isDefaultSort, type ListQuery, type MessagePage, type MessageSummary } from '../mail/types.js';
import { parseHeaderBlock } from '../mime/index.js';
import type { Pop3Client } from './client.js';
import { decodePop3Cursor, encodePop3Cursor, pop3CursorScope, resumePoint } from './list-cursor.js';
import { POP3_FILTERS } from './store-capabilities.js';
import { buildPop3Summary, matchesPop3Filter, pop3Preview } from './summary.js';

export interface ListOptions {
  /** Most messages whose headers a filtered listing reads per request before it answers `partial`. */
  scanWindow: number;
}

/** UIDLs after an anchor kept in the cursor, in case the anchor is deleted before the next page. */
const FALLBACK_ANCHORS = 3;

/**
 * Newest first: the highest message number is the latest arrival. Unfiltered
 * pages read exactly the page's headers; filtered ones scan downwards in
 * pipelined batches, at most `scanWindow` messages per request.
 * @throws UnsupportedOperationError for a filter POP3 cannot evaluate, InvalidRequestError for a bad cursor
 */
export async function listPop3Messages(
  client: Pop3Client,
  query: ListQuery,
  options: ListOptions,
): Promise<MessagePage> {
  const { filter } = query;
  if (!isDefaultSort(query.sort)) {
    throw new UnsupportedOperationError('POP3 lists in arrival order only, newest first.');
  }
  const unsupported = Object.keys(filter).filter(
    (name) => filter[name as keyof typeof filter] !== undefined && !POP3_FILTERS.includes(name as never),
  );
  if (unsupported.length > 0) {
    throw new UnsupportedOperationError(`POP3 cannot filter on ${unsupported.join(', ')}.`);
  }
  const filtered = Object.values(filter).some((value) => value !== undefined);
  const scope = pop3CursorScope(filter);
  const { count } = await client.stat();
  let next = count;
  if (query.cursor !== undefined) {
    const cursor = decodePop3Cursor(query.cursor, scope);
    // Fast path: nothing was deleted below the anchor since the last page.
    const hinted = cursor.number <= count ? await client.uidlOne(cursor.number) : null;
    if (hinted?.uid === cursor.anchors[0]) next = cursor.number - 1;
    else next = resumePoint(cursor, new Map((await client.uidl()).map(({ number, uid }) => [uid, number])));
  }

  // Without a preview the header block alone is read (TOP n 0).
  const withPreview = query.fields === undefined || query.fields.has('preview');
  const messages: MessageSummary[] = [];
  const budget = filtered ? Math.max(options.scanWindow, query.limit) : query.limit;
  let scanned = 0;
  let consumed: { number: number; uid: string } | null = null;
  const seen: string[] = [];
  while (next >= 1 && messages.length < query.limit && scanned < budget) {
    // Unfiltered pages read a few extra headers so the cursor knows the UIDLs after its anchor.
    const size = filtered
      ? Math.min(Math.max(query.limit, 50), budget - scanned)
      : query.limit + FALLBACK_ANCHORS;
    const numbers = range(next, Math.max(1, next - size + 1));
    const infos = await client.headers(numbers, withPreview ? undefined : 0);
    for (const info of infos) {
      if (messages.length >= query.limit) break;
      scanned += 1;
      next = info.number - 1;
      consumed = info;
      const summary = buildPop3Summary(
        encodePop3MessageId(info.uid),
        info.size,
        parseHeaderBlock(info.header).headers,
        withPreview ? pop3Preview(info.header, info.size) : null,
      );
      if (!filtered || matchesPop3Filter(summary, filter)) messages.push(summary);
    }
    for (const info of infos) if (info.number <= next) seen.push(info.uid);
  }
  const done = next < 1 || consumed === null;
  const nextCursor = done
    ? null
    : encodePop3Cursor({
        scope,
        number: consumed!.number,
        anchors: [consumed!.uid, ...seen.slice(0, FALLBACK_ANCHORS)],
      });
  return {
    messages,
    nextCursor,
    total: filtered ? null : count,
    ...(filtered ? { partial: !done && messages.length < query.limit } : {}),
  };
}

function range(from: number, downTo: number): number[] {
  const numbers: number[] = [];
  for (let number = from; number >= downTo; number--) numbers.push(number);
  return numbers;
}
