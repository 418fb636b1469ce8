import type { ImapFlow } from 'imapflow';
import { guardDownload } from '../../mail/download-idle.js';
import { UpstreamUnavailableError } from '../../mail/errors.js';
import { createChunkDecoder } from '../../mime/transfer-decoding.js';
import type { ImapSession } from '../session/imap-session.js';
import { sectionBytes } from './section-bytes.js';

/**
 * Bytes per partial FETCH. Each window is one round trip and sits in memory
 * once (imapflow buffers a literal whole), so this trades latency for peak
 * memory: 25 MB of base64 is ~34 round trips at ~2 MiB resident.
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
 * The rest of a section after its first window, streamed one window per
 * pull (so a slow reader holds the next FETCH back), transfer-decoded with
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
): AsyncIterable<Uint8Array> {
  const windows = (async function* () {
    try {
      const decoder = createChunkDecoder(encoding);
      let offset = 0;
      let chunk = first;
      for (;;) {
        const out = decoder.write(chunk);
        if (out.length > 0) yield out;
        offset += chunk.length;
        // A short window is the last one; a longer one means the server ignored the range.
        if (chunk.length !== WINDOW_BYTES) break;
        const next = await session.run((client) => fetchWindow(client, uid, section, offset));
        if (next === null) throw new UpstreamUnavailableError('The message disappeared during the download.');
        chunk = next;
      }
      const tail = decoder.end();
      if (tail.length > 0) yield tail;
    } finally {
      await session.close();
    }
  })();
  return guardDownload(windows, {
    ...session.downloadIdle,
    received: () => session.receivedBytes,
    onStall: () => void session.close(),
  });
}
