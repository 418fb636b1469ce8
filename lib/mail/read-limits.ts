/**
 * The most text, and the most HTML, one message answer carries, whatever
 * `maxBodyBytes` asks (DECISIONS.md, "Bounded reads, honest lengths"): more
 * is cut and flagged `textTruncated`/`htmlTruncated`, as a smaller
 * `maxBodyBytes` would; the whole message stays available as its raw download.
 */
export const MAX_BODY_TEXT_BYTES = 2 * 1024 * 1024;

/** `maxBodyBytes` as a store applies it: the client's cut, never above MAX_BODY_TEXT_BYTES. */
export function boundedBodyBytes(requested: number | null): number {
  return requested === null ? MAX_BODY_TEXT_BYTES : Math.min(requested, MAX_BODY_TEXT_BYTES);
}
