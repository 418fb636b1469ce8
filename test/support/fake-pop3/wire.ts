/** RFC 1939 encodings of a message as the fake server sends it. */

/** RFC 1939 §3 byte-stuffing plus the terminator. */
export function stuff(raw: Buffer): Buffer {
  // Only CRLF ends a line (RFC 1939 §3); a dot after a bare LF is content.
  const parts: Buffer[] = [];
  let from = 0;
  if (raw[0] === 0x2e) parts.push(Buffer.from('.'));
  for (let at = raw.indexOf('\r\n.'); at !== -1; at = raw.indexOf('\r\n.', at + 2)) {
    parts.push(raw.subarray(from, at + 2), Buffer.from('.'));
    from = at + 2;
  }
  parts.push(raw.subarray(from));
  const ending = raw.length === 0 || raw.subarray(-2).equals(Buffer.from('\r\n')) ? '' : '\r\n';
  parts.push(Buffer.from(`${ending}.\r\n`));
  return Buffer.concat(parts);
}

/** The header, the blank line and the first `lines` lines of the body (RFC 1939 §7 TOP). */
export function topOf(raw: Buffer, lines: number): Buffer {
  const headerEnd = raw.indexOf('\r\n\r\n');
  if (headerEnd === -1) return raw;
  let end = headerEnd + 4;
  for (let count = 0; count < lines && end < raw.length; count++) {
    const next = raw.indexOf('\r\n', end);
    end = next === -1 ? raw.length : next + 2;
  }
  return raw.subarray(0, end);
}
