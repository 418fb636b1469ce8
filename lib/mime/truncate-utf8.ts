/** Text cut to a UTF-8 byte budget. */
export interface TruncatedText {
  text: string;
  truncated: boolean;
}

/**
 * Cuts `text` to at most `maxBytes` bytes of UTF-8 without splitting a
 * character (a surrogate pair counts as one 4-byte character). A null or
 * negative budget keeps everything.
 */
export function truncateUtf8(text: string, maxBytes: number | null): TruncatedText {
  if (maxBytes === null || maxBytes < 0 || text.length * 3 <= maxBytes) return { text, truncated: false };
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.codePointAt(i)!;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) return { text: text.slice(0, i), truncated: true };
    bytes += size;
    i += code >= 0x10000 ? 2 : 1;
  }
  return { text, truncated: false };
}
