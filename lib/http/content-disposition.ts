/**
 * RFC 6266 Content-Disposition with both a quoted ASCII `filename` for old
 * clients and `filename*` (RFC 8187 UTF-8 encoding) that modern ones prefer
 * (RFC 6266 §4.3: when both are present, `filename*` wins).
 */

/** RFC 8187 §3.2.1 attr-char: everything else is percent-encoded. */
const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/;

function encodeRfc8187(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    out +=
      byte < 0x80 && ATTR_CHAR.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Printable ASCII only, no quote or backslash, so it fits a quoted-string untouched. */
function asciiFallback(value: string): string {
  const fallback = value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]|["\\]/g, '_')
    .trim();
  return fallback.replace(/_+/g, '_') || 'download';
}

/** More than a 255-character name can need once cleaned; a 1 MB name costs no more than this. */
const MAX_FILENAME_SOURCE_CHARS = 4096;

/** Senders choose filenames: drop path parts and control characters before they reach a disk. */
export function safeFilename(name: string): string {
  const lastSeparator = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  const base = name.slice(lastSeparator + 1, lastSeparator + 1 + MAX_FILENAME_SOURCE_CHARS);
  const cleaned = [...base]
    .filter((char) => {
      const code = char.codePointAt(0) ?? 0;
      return code >= 0x20 && code !== 0x7f;
    })
    .join('')
    .trim()
    .replace(/^\.+$/, '');
  return cleaned.slice(0, 255);
}

export function contentDisposition(type: 'attachment' | 'inline', filename: string | null): string {
  const name = filename === null ? '' : safeFilename(filename);
  if (!name) return type;
  const fallback = asciiFallback(name);
  if (fallback === name) return `${type}; filename="${name}"`;
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encodeRfc8187(name)}`;
}

const MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;[\x20-\x7e]*)?$/;

/**
 * The part's declared Content-Type, parameters kept, if it is safe to put in
 * a header; the sender controls it, so anything malformed becomes
 * `application/octet-stream`.
 */
export function safeContentType(value: string): string {
  const trimmed = value.trim();
  return trimmed.length <= 1000 && MEDIA_TYPE.test(trimmed) ? trimmed : 'application/octet-stream';
}
