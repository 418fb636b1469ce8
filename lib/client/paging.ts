/**
 * Items of a cursor-paged list, fetched a page at a time as the loop asks
 * for them: `for await (const item of list)`. `pages()` walks the pages
 * themselves (with `total`, `partial` …). Each iteration starts from the
 * first page again; nothing is fetched before the loop starts.
 */
export interface Paged<Item, Page> extends AsyncIterable<Item> {
  pages(): AsyncIterableIterator<Page>;
}

/**
 * A Paged list over `fetchPage` (the page at a cursor, the first without
 * one) following `nextCursor` until it is null. A server that answered the
 * same cursor twice would loop for ever: that ends the walk with an error.
 */
export function paged<Item, Page extends { nextCursor: string | null }>(
  fetchPage: (cursor: string | undefined) => Promise<Page>,
  items: (page: Page) => readonly Item[],
): Paged<Item, Page> {
  async function* pages(): AsyncIterableIterator<Page> {
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (;;) {
      const page = await fetchPage(cursor);
      yield page;
      if (page.nextCursor === null) return;
      if (seen.has(page.nextCursor)) throw new Error('the server answered a cursor it had answered before');
      seen.add(page.nextCursor);
      cursor = page.nextCursor;
    }
  }
  return {
    pages,
    async *[Symbol.asyncIterator]() {
      for await (const page of pages()) yield* items(page);
    },
  };
}
