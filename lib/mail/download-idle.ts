/**
 * A streamed download holds a mail connection from the response headers to
 * its last byte, outside the request deadline. It must make progress, or it
 * is ended: a server that trickles (one byte every 20 s kept a download open
 * for minutes) or a client that stops reading would otherwise hold the
 * connection, and with it one of the account's few, for as long as it likes.
 */

export interface DownloadIdleOptions {
  /** Longest time a download may go without progress, in ms. */
  idleMs: number;
  /**
   * Bytes the server must deliver within each `idleMs` while the download
   * waits for it; a trickle below that is a stall, not progress.
   */
  minBytes: number;
}

/** 15 s, and 16 KiB in each: a floor of about 1 KB/s from the server; a client must take a slice every 15 s. */
export const DEFAULT_DOWNLOAD_IDLE: DownloadIdleOptions = { idleMs: 15_000, minBytes: 16 * 1024 };

/** Largest chunk handed on, so a client that stops reading is noticed within one slice, not one window. */
export const DOWNLOAD_SLICE_BYTES = 64 * 1024;

/** A download ended for making no progress; only logged (the headers are gone by then). */
export class DownloadStalledError extends Error {
  /** Who stopped: the mail server (sent too little) or the client (took nothing). */
  readonly side: 'server' | 'client';

  constructor(side: 'server' | 'client', idleMs: number) {
    super(
      side === 'server'
        ? `The mail server sent too little of the download for ${idleMs} ms.`
        : `The client read nothing of the download for ${idleMs} ms.`,
    );
    this.name = 'DownloadStalledError';
    this.side = side;
  }
}

export interface DownloadGuard extends DownloadIdleOptions {
  /**
   * A running count of bytes received from the server, when the adapter
   * counts below its chunks (an IMAP window arrives whole after its last
   * byte); otherwise the chunks passed on are counted.
   */
  received?: () => number | null;
  /** Called once, on a stall, before the body fails: end the session so its connection frees. */
  onStall: (error: DownloadStalledError) => void;
}

/**
 * Passes `body` on in slices of at most DOWNLOAD_SLICE_BYTES, and ends it
 * with DownloadStalledError when, while it waits for the server, fewer than
 * `minBytes` arrive in `idleMs`, or when the client takes no slice for
 * `idleMs`. `onStall` runs first, so the session and its socket are gone
 * even if the client never reads again.
 */
export function guardDownload(
  body: AsyncIterable<Uint8Array>,
  guard: DownloadGuard,
): AsyncIterable<Uint8Array> {
  const { idleMs, minBytes } = guard;
  return (async function* () {
    const source = body[Symbol.asyncIterator]();
    let passed = 0;
    let stalled: DownloadStalledError | null = null;
    let finished = false;
    const stall = (side: 'server' | 'client'): DownloadStalledError => {
      if (!stalled) {
        stalled = new DownloadStalledError(side, idleMs);
        guard.onStall(stalled);
      }
      return stalled;
    };
    const measure = () => guard.received?.() ?? passed;
    // The server's progress is judged over windows of `idleMs` spent waiting for it (time the
    // client takes to read does not count), across chunks: a trickle of tiny chunks is no progress.
    let waited = 0;
    let mark = measure();
    /** Closes a window that has lasted `idleMs`: enough bytes start the next, too few are a stall. */
    const windowEnds = (): boolean => {
      const now = measure();
      if (now - mark < minBytes) return false;
      mark = now;
      waited = 0;
      return true;
    };

    /** The next chunk, unless the server delivers fewer than `minBytes` in some window. */
    const fromServer = () =>
      new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
        let began = Date.now();
        let timer: NodeJS.Timeout;
        const arm = () => {
          timer = setTimeout(
            () => {
              waited += Date.now() - began;
              began = Date.now();
              if (windowEnds()) arm();
              else reject(stall('server'));
            },
            Math.max(0, idleMs - waited),
          );
          timer.unref();
        };
        arm();
        source.next().then(
          (result) => {
            clearTimeout(timer);
            if (!result.done) passed += result.value.length;
            waited += Date.now() - began;
            if (waited >= idleMs && !result.done && !windowEnds()) reject(stall('server'));
            else resolve(result);
          },
          (error: unknown) => {
            clearTimeout(timer);
            reject(stalled ?? error);
          },
        );
      });

    try {
      for (;;) {
        const next = await fromServer();
        if (next.done) {
          finished = true;
          return;
        }
        for (let at = 0; at < next.value.length; at += DOWNLOAD_SLICE_BYTES) {
          const timer = setTimeout(() => stall('client'), idleMs);
          timer.unref();
          try {
            yield next.value.subarray(at, at + DOWNLOAD_SLICE_BYTES);
          } finally {
            clearTimeout(timer);
          }
          if (stalled) throw stalled;
        }
      }
    } finally {
      // The source ends its own session (an early return, a failure); not awaited, a pending read may still settle.
      if (!finished) Promise.resolve(source.return?.()).catch(() => undefined);
    }
  })();
}
