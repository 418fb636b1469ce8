/**
 * A small TTL cache of secret reads. Entries hold the promise, so concurrent
 * requests for one secret share a single GetSecretValue; failed reads are not
 * kept. Misses are cached too (`undefined`), which bounds the calls a client
 * can cause by repeating an unknown token id; the size cap bounds memory when
 * the ids vary.
 */
export class SecretCache {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { value: Promise<string | undefined>; expiresAt: number }>();

  constructor(options: { ttlSeconds: number; maxEntries?: number; now?: () => number }) {
    this.#ttlMs = options.ttlSeconds * 1000;
    this.#maxEntries = options.maxEntries ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  get(name: string, load: () => Promise<string | undefined>): Promise<string | undefined> {
    const now = this.#now();
    const hit = this.#entries.get(name);
    if (hit !== undefined && hit.expiresAt > now) return hit.value;
    if (this.#ttlMs === 0) return load();
    const value = load();
    this.#entries.delete(name);
    this.#entries.set(name, { value, expiresAt: now + this.#ttlMs });
    value.catch(() => {
      if (this.#entries.get(name)?.value === value) this.#entries.delete(name);
    });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return value;
  }

  /** Records a value just written, so this process sees its own writes at once. */
  set(name: string, value: string | undefined): void {
    if (this.#ttlMs === 0) return;
    this.#entries.delete(name);
    this.#entries.set(name, { value: Promise.resolve(value), expiresAt: this.#now() + this.#ttlMs });
  }

  delete(name: string): void {
    this.#entries.delete(name);
  }
}
