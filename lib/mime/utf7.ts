const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUES = new Int8Array(256).fill(-1);
for (let i = 0; i < BASE64_ALPHABET.length; i++) BASE64_VALUES[BASE64_ALPHABET.charCodeAt(i)] = i;

/**
 * Decodes UTF-7 (RFC 2152), which TextDecoder does not know. Still seen in
 * old mail (`unicode-1-1-utf-7`). Returns `valid: false` on bytes UTF-7 does
 * not allow (8-bit bytes, leftover bits) while still decoding what it can.
 */
export function decodeUtf7(bytes: Uint8Array): { text: string; valid: boolean } {
  let text = '';
  let valid = true;
  let i = 0;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (i < bytes.length) {
    // Direct characters up to the next '+', copied as one run: a string
    // built a character at a time costs far more than the decoding.
    const plus = view.indexOf(0x2b /* + */, i);
    const runEnd = plus < 0 ? bytes.length : plus;
    if (runEnd > i) {
      const run = view.toString('latin1', i, runEnd);
      const direct = run.replace(/[\x80-\xff]/g, '\ufffd');
      if (direct !== run) valid = false;
      text += direct;
      i = runEnd;
      continue;
    }
    i++;
    if (bytes[i] === 0x2d /* - */) {
      text += '+';
      i++;
      continue;
    }
    // RFC 2152: a shifted run is modified base64 of UTF-16BE units, ended by
    // any non-base64 byte; a '-' ending it is absorbed.
    let bits = 0;
    let bitCount = 0;
    const units: number[] = [];
    while (i < bytes.length && BASE64_VALUES[bytes[i]!]! >= 0) {
      bits = ((bits << 6) | BASE64_VALUES[bytes[i]!]!) & 0xffffff;
      bitCount += 6;
      if (bitCount >= 16) {
        bitCount -= 16;
        units.push((bits >> bitCount) & 0xffff);
      }
      i++;
    }
    if (bitCount >= 6 || (bits & ((1 << bitCount) - 1)) !== 0) valid = false;
    for (let u = 0; u < units.length; u += 4096) text += String.fromCharCode(...units.slice(u, u + 4096));
    if (bytes[i] === 0x2d) i++;
  }
  return { text, valid };
}
