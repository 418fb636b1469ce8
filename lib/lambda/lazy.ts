/** A value built on first use; a failed build is retried by the next caller rather than cached. */
export interface Lazy<T> {
  get(): Promise<T>;
  /** The value once built, without triggering the build. */
  current(): T | undefined;
}

export function lazy<T>(load: () => Promise<T>): Lazy<T> {
  let loading: Promise<T> | undefined;
  let loaded: T | undefined;
  return {
    get() {
      loading ??= load().then(
        (real) => {
          loaded = real;
          return real;
        },
        (error: unknown) => {
          // e.g. a missing chunk: the next request tries again.
          loading = undefined;
          throw error;
        },
      );
      return loading;
    },
    current: () => loaded,
  };
}
