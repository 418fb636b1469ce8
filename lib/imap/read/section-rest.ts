import type { ImapFlow } from 'imapflow';
import { UpstreamUnavailableError } from '../../mail/errors.js';
import { transportSocketOf } from '../imapflow/index.js';
import { PipeliningSocket } from '../wire/pipelining-socket.js';
import { SectionGoneError, type SectionTap } from '../wire/section-tap.js';

/**
 * The length asked for a section's rest: RFC 9051's largest number, far
 * beyond any message a server keeps, so one partial FETCH is the whole rest.
 */
const REST_LENGTH = 4_294_967_295;

let tags = 0;

/**
 * A section's bytes after its first window, asked for in the same flight as
 * the first window and streamed straight off the socket (see
 * wire/section-tap.ts): one round trip for any size, and never more in
 * memory than the tap's high-water mark however slowly the client reads.
 */
export interface SectionRest {
  /** The bytes after `origin`, as they arrive; fails with UpstreamUnavailableError. */
  chunks(): AsyncIterable<Buffer>;
  /** Section bytes read off the socket so far: the server's progress, for the stall guard. */
  readonly received: number;
  /**
   * Drops whatever comes and resolves once the server has answered it all,
   * so the connection can serve another request; call when the rest is not
   * wanted (the first window was the whole section, or the download failed).
   */
  discard(): Promise<void>;
}

/**
 * Arms a FETCH of `section` from `origin` on, to go out with the next
 * `UID FETCH` imapflow writes on `client`; call it right before that
 * command, with nothing else in flight. Null when the connection has no
 * pipelining socket (STARTTLS) or it cannot take one now: the caller then
 * fetches in windows.
 */
export function fetchRestAlong(
  client: ImapFlow,
  uid: number,
  section: string | null,
  origin: number,
): SectionRest | null {
  const socket = transportSocketOf(client);
  if (!(socket instanceof PipeliningSocket)) return null;
  tags = (tags + 1) % 1_000_000;
  const tap = socket.fetchAlong({
    tag: `mg${tags}`,
    uid,
    section: section ?? '',
    origin,
    length: REST_LENGTH,
  });
  return tap ? restOf(socket, tap) : null;
}

function restOf(socket: PipeliningSocket, tap: SectionTap): SectionRest {
  return {
    async *chunks() {
      // imapflow wrote no UID FETCH (it failed first): nothing went out, so nothing comes.
      if (tap.armed) {
        socket.dropTap(tap);
        throw new UpstreamUnavailableError('The rest of the download was never asked for.');
      }
      try {
        for await (const chunk of tap.body) yield chunk as Buffer;
      } catch (error) {
        if (error instanceof SectionGoneError) {
          throw new UpstreamUnavailableError('The message disappeared during the download.', {
            cause: error,
          });
        }
        throw new UpstreamUnavailableError('The mail server ended the download early.', { cause: error });
      }
    },
    get received() {
      return tap.diverted;
    },
    discard() {
      if (tap.armed) {
        socket.dropTap(tap);
        return Promise.resolve();
      }
      const body = tap.body;
      if (body.destroyed || body.readableEnded) return Promise.resolve();
      return new Promise<void>((resolve) => {
        body.once('end', resolve);
        body.once('close', resolve);
        body.once('error', () => resolve());
        body.resume();
      });
    },
  };
}
