import type { ImapFlow } from 'imapflow';
import { DOWNLOAD_SLICE_BYTES, guardDownload } from '../../mail/download-idle.js';
import { UpstreamUnavailableError } from '../../mail/errors.js';
import type { ImapSession } from '../session/imap-session.js';
import { sectionBytes } from './section-bytes.js';
import { createSectionDecoder } from './section-decoder.js';
import type { SectionRest } from './section-rest.js';

/**
 * The first window of a section, which imapflow reads (and buffers whole)
 * with the metadata of the same FETCH; the rest comes in one FETCH sent in
 * the same flight and streamed off the socket (section-rest.ts). Where that
 * cannot be (STARTTLS), every window is one partial FETCH and one round trip:
 * 25 MB of base64 is then ~34 round trips at ~2 MiB resident.
 */
export const WINDOW_BYTES = 1024 * 1024;

/** A message section: the whole message (`null`, BODY[]) or one MIME part (`"2.1"`). */
export type Section = string | null;

/**
 * One window `BODY.PEEK[section]<offset.WINDOW_BYTES>`; null when the message is gone.
 * @throws MessageNotFoundError when the server answers the section NIL (expunged meanwhile)
 */
export async function fetchWindow(
  client: ImapFlow,
  uid: number,
  section: Section,
  offset: number,
): Promise<Buffer | null> {
  const query =
    section === null
      ? { uid: true, source: { start: offset, maxLength: WINDOW_BYTES } }
      : { uid: true, bodyParts: [{ key: section, start: offset, maxLength: WINDOW_BYTES }] };
  const row = await client.fetchOne(String(uid), query, { uid: true });
  if (!row || row.uid !== uid) return null;
  const bytes = section === null ? row.source : row.bodyParts?.get(section.toLowerCase());
  return sectionBytes(bytes);
}

/**
 * The rest of a section after its first window, from `rest` when it was
 * asked for along with the first window, else one window per pull (so a
 * slow reader holds the next FETCH back); transfer-decoded with
 * our own decoder when `encoding` is given: no charset conversion, no
 * line-ending change. The session is closed when the stream ends, fails or
 * the reader stops early; closing the session mid-stream ends it with an error.
 * A download that makes no progress (`session.downloadIdle`: the server
 * sends too little, or the reader takes nothing) is ended the same way, so
 * it cannot hold its connection indefinitely.
 */
export function streamSection(
  session: ImapSession,
  uid: number,
  section: Section,
  first: Buffer,
  encoding: string | null,
  rest: SectionRest | null = null,
): AsyncIterable<Uint8Array> {
  let tail: SectionRest | null = rest;
  const windows = (async function* () {
    try {
      const decoder = createSectionDecoder(encoding);
      let offset = 0;
      let chunk = first;
      for (;;) {
        const out = decoder.write(chunk);
        if (out.length > 0) yield out;
        offset += chunk.length;
        // A short window is the last one; a longer one means the server ignored the range.
        if (chunk.length !== WINDOW_BYTES) break;
        if (tail) {
          try {
            // The socket hands over TLS records of a few KiB: decoded and passed on in slices, not one by one.
            let batch: Buffer[] = [];
            let batched = 0;
            for await (const piece of tail.chunks()) {
              batch.push(piece);
              batched += piece.length;
              if (batched < DOWNLOAD_SLICE_BYTES) continue;
              const decoded = decoder.write(Buffer.concat(batch, batched));
              batch = [];
              batched = 0;
              if (decoded.length > 0) yield decoded;
            }
            const decoded = decoder.write(Buffer.concat(batch, batched));
            if (decoded.length > 0) yield decoded;
          } catch (error) {
            // Closing the session (a stall, the request's end) destroys the socket under the rest.
            if (session.closed)
              throw new UpstreamUnavailableError('The mail session is already closed.', { cause: error });
            throw error;
          }
          tail = null;
          break;
        }
        const next = await session.run((client) => fetchWindow(client, uid, section, offset));
        if (next === null) throw new UpstreamUnavailableError('The message disappeared during the download.');
        chunk = next;
      }
      const end = decoder.end();
      if (end.length > 0) yield end;
      // The rest was not needed: its (empty) answer is read, so the connection may serve again.
      if (tail) await tail.discard();
      tail = null;
    } finally {
      // Ended early (the client went away, a failure), the rest is still on the wire: the
      // socket is not settled, so closing the session closes the connection instead of keeping it.
      await session.close();
    }
  })();
  return guardDownload(windows, {
    ...session.downloadIdle,
    received: () => {
      const imapflow = session.receivedBytes;
      return imapflow === null ? null : imapflow + (rest?.received ?? 0);
    },
    onStall: () => void session.close(),
  });
}
