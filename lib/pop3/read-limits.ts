/**
 * How much of a POP3 server's answers one request may buffer. Raw downloads
 * stream (no cap, back-pressured); everything read whole is capped here, and
 * a cap that is hit ends the session at once (DECISIONS.md, "Bounded reads,
 * honest lengths").
 */

/** One header block (`TOP n 0`). Real ones are a few KB; a thousand recipients fit in 100 KB. */
export const MAX_HEADER_BYTES = 1024 * 1024;

/**
 * Body bytes kept after each header block when summaries read body lines for
 * their preview (`TOP n 16`): a preview is 200 characters, and a body line
 * has no length limit (an HTML body may be one line of megabytes). The rest
 * of the answer is read and dropped.
 */
export const MAX_PREVIEW_BODY_BYTES = 16 * 1024;

/** Every header block of one pipelined batch together (a list page reads `limit` + 3). */
export const MAX_HEADER_BATCH_BYTES = 16 * 1024 * 1024;

/** Any other multi-line answer: CAPA, LIST, UIDL (a UIDL of 200,000 messages is about 6 MB). */
export const MAX_LISTING_BYTES = 8 * 1024 * 1024;

/** Lines of one LIST or UIDL answer: each costs ~100 bytes of heap once parsed. */
export const MAX_LISTING_ENTRIES = 250_000;

/**
 * A message read whole (RETR) to answer it as JSON or to cut an attachment
 * out of it. A message the server says is larger is refused before any of
 * it is read (413 `payload_too_large`); its raw download streams.
 */
export const MAX_BUFFERED_MESSAGE_BYTES = 32 * 1024 * 1024;
