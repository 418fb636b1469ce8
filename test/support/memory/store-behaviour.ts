/** What a test can make a memory store do, and what the store records of each call. */

export interface StoreBehaviour {
  /** Every call waits until the request's signal aborts (a server that never answers). */
  hang?: boolean;
  /** Every call throws this. */
  fail?: Error;
  /** In a bulk action, these messages fail with the given error and the others are done. */
  failIds?: Record<string, Error>;
}

export interface StoreCall {
  method: string;
  args: unknown[];
}
