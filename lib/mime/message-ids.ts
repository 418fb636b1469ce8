/**
 * Message identifiers from Message-ID, In-Reply-To or References, without
 * angle brackets (RFC 5322 §3.6.4). Bracketed ids are taken wherever they
 * stand, so phrases and comments in old-style In-Reply-To values drop out;
 * a value with no brackets at all falls back to its whitespace-separated words.
 */
export function parseMessageIds(value: string | null | undefined): string[] {
  if (!value) return [];
  const bracketed = [...value.matchAll(/<([^<>]*)>/g)]
    .map((m) => m[1]!.replace(/\s+/g, ''))
    .filter((id) => id.length > 0);
  if (bracketed.length > 0) return bracketed;
  return value
    .replace(/\([^()]*\)/g, ' ')
    .split(/[\s,]+/)
    .filter((word) => word.length > 0 && !word.includes('"'));
}

/** The first message id in a value, or null. */
export function parseMessageId(value: string | null | undefined): string | null {
  return parseMessageIds(value)[0] ?? null;
}
