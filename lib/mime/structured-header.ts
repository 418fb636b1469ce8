import libmime from 'libmime';
import { decodeHeaderValue } from './encoded-words.js';

/** A Content-Type or Content-Disposition value split into its parts. */
export interface StructuredHeader {
  /** Lower-case value before the parameters (`text/plain`, `attachment`). */
  value: string;
  /** Lower-case parameter names; values unquoted and decoded. */
  params: Record<string, string>;
}

const MAX_STRUCTURED_CHARS = 16 * 1024;

/**
 * Parses a parameterised header value (RFC 2045 §5.1, RFC 2183) with
 * RFC 2231 continuations and charset'lang'%XX values, and also the common
 * non-standard RFC 2047 encoded words inside quoted parameter values
 * (`filename="=?utf-8?B?…?="`). Comments are dropped; a parameter given
 * twice keeps its first value. Only the first 16 KB of a value are read:
 * real ones are far shorter, and libmime's time grows with the length.
 */
export function parseStructuredHeader(value: string | null | undefined): StructuredHeader {
  if (!value) return { value: '', params: {} };
  const parsed = libmime.parseHeaderValue(value.slice(0, MAX_STRUCTURED_CHARS), { stripComments: true }) as {
    value: string;
    params: Record<string, string>;
    decodedParams?: string[];
  };
  // RFC 2231 values are already decoded; decoding them again would turn a
  // literal "=?…?=" in a percent-encoded filename into something else.
  const alreadyDecoded = new Set(parsed.decodedParams ?? []);
  const params: Record<string, string> = Object.create(null);
  for (const [name, raw] of Object.entries(parsed.params)) {
    params[name] = alreadyDecoded.has(name) ? raw : decodeHeaderValue(raw);
  }
  return { value: parsed.value.trim().toLowerCase(), params: { ...params } };
}

/** A parsed Content-Type with its RFC 2045 §5.2 default applied. */
export interface ContentType {
  /** Lower-case `type/subtype`. */
  type: string;
  params: Record<string, string>;
}

const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/;

/**
 * Parses a Content-Type value. A missing or malformed one means
 * `text/plain; charset=us-ascii` (RFC 2045 §5.2), or `message/rfc822`
 * inside multipart/digest (RFC 2046 §5.1.5): pass that as `fallback`.
 */
export function parseContentType(value: string | null | undefined, fallback = 'text/plain'): ContentType {
  const parsed = parseStructuredHeader(value);
  if (MEDIA_TYPE.test(parsed.value)) return { type: parsed.value, params: parsed.params };
  return { type: fallback, params: fallback === 'text/plain' ? { charset: 'us-ascii' } : {} };
}
