/**
 * How much one IMAP server may make us hold, whoever reads its bytes: our
 * response scanner (pipelining-socket.ts) until the pipelined answers are
 * delivered, imapflow's parser after (client-options.ts). Each bound is far
 * above what a legitimate answer of this gateway needs and keeps one request
 * well under 64 MB however the server misbehaves (DECISIONS.md, "Bounded
 * reads, honest lengths").
 */

/**
 * One line up to its CRLF. The longest legitimate ones are SEARCH answers of
 * every UID in a big mailbox (about 7 bytes a message).
 */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/**
 * One literal. The largest we ask for is a text part cut at
 * MAX_BODY_TEXT_BYTES, which quoted-printable can triple; downloads come in
 * 1 MiB windows, header blocks are far smaller.
 */
export const MAX_LITERAL_BYTES = 16 * 1024 * 1024;

/** One whole response, every line and literal of it (a text and an HTML part together). */
export const MAX_RESPONSE_BYTES = 24 * 1024 * 1024;

/** Parse-tree nodes of one response (imapflow's `maxResponseTokens`; ~100 bytes of heap each). */
export const MAX_RESPONSE_TOKENS = 200_000;

export type WireLimitCode = 'LineTooLarge' | 'LiteralTooLarge' | 'ResponseTooLarge';

/**
 * A server sent more than a bound allows. The codes are imapflow's own for
 * the same failures, so both map to `upstream_unavailable` the same way.
 */
export class WireLimitError extends Error {
  readonly code: WireLimitCode;

  constructor(code: WireLimitCode, message: string) {
    super(message);
    this.name = 'WireLimitError';
    this.code = code;
  }
}
