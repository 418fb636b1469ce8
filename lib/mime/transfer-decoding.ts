/**
 * Incremental Content-Transfer-Encoding decoders (RFC 2045 §6). The buffered
 * and the streaming API share them, so both give the same bytes however the
 * input is split: a decoder only ever emits what no later byte can change.
 */
export interface ChunkDecoder {
  write(chunk: Uint8Array): Buffer;
  end(): Buffer;
}

const BASE64_VALUES = new Int8Array(256).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((ch, i) => {
  BASE64_VALUES[ch.charCodeAt(0)] = i;
});

/**
 * Base64 that skips every byte outside the alphabet (RFC 2045 §6.8: line
 * breaks and garbage are ignored). A `=` ends the current quantum, so
 * concatenated padded blocks decode too; missing padding is tolerated and a
 * lone trailing character, which holds no whole byte, is dropped.
 */
function createBase64Decoder(): ChunkDecoder {
  let acc = 0;
  let count = 0;
  const flushPartial = (out: Buffer, o: number): number => {
    if (count === 2) out[o++] = (acc >> 4) & 0xff;
    if (count === 3) {
      out[o++] = (acc >> 10) & 0xff;
      out[o++] = (acc >> 2) & 0xff;
    }
    acc = 0;
    count = 0;
    return o;
  };
  return {
    write(chunk) {
      const out = Buffer.allocUnsafe(Math.ceil((chunk.length * 3) / 4) + 3);
      let o = 0;
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i]!;
        const value = BASE64_VALUES[byte]!;
        if (value >= 0) {
          acc = (acc << 6) | value;
          if (++count === 4) {
            out[o++] = (acc >> 16) & 0xff;
            out[o++] = (acc >> 8) & 0xff;
            out[o++] = acc & 0xff;
            acc = 0;
            count = 0;
          }
        } else if (byte === 0x3d) {
          o = flushPartial(out, o);
        }
      }
      return out.subarray(0, o);
    },
    end() {
      const out = Buffer.alloc(2);
      return out.subarray(0, flushPartial(out, 0));
    },
  };
}

const CR = 0x0d;
const LF = 0x0a;
const EQUALS = 0x3d;

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}

const isBlank = (byte: number | undefined) => byte === 0x20 || byte === 0x09;

/**
 * Decodes quoted-printable in `buf`, stopping where the meaning of the next
 * bytes depends on input not yet seen. Returns the output and how far it got.
 */
function decodeQuotedPrintable(buf: Buffer, final: boolean): { out: Buffer; used: number } {
  const out = Buffer.allocUnsafe(buf.length);
  let o = 0;
  let i = 0;
  const len = buf.length;
  while (i < len) {
    const byte = buf[i]!;
    if (byte === EQUALS) {
      const high = hexValue(buf[i + 1]);
      if (high >= 0) {
        if (i + 2 >= len && !final) break;
        const low = hexValue(buf[i + 2]);
        if (low >= 0) {
          out[o++] = (high << 4) | low;
          i += 3;
        } else {
          // A bad escape stays literal (RFC 2045 §6.7, note 1).
          out[o++] = EQUALS;
          i++;
        }
        continue;
      }
      // Soft line break: "=" with optional transport whitespace, then CRLF or LF.
      let j = i + 1;
      while (isBlank(buf[j])) j++;
      if (j >= len || (buf[j] === CR && j + 1 >= len)) {
        if (!final) break;
        i = len; // "=" at the very end of the data
        continue;
      }
      if (buf[j] === LF) {
        i = j + 1;
        continue;
      }
      if (buf[j] === CR && buf[j + 1] === LF) {
        i = j + 2;
        continue;
      }
      out[o++] = EQUALS;
      i++;
      continue;
    }
    if (isBlank(byte)) {
      // RFC 2045 §6.7 (3): whitespace at the end of a line was added in transit.
      let j = i;
      while (isBlank(buf[j])) j++;
      if (j >= len || (buf[j] === CR && j + 1 >= len)) {
        if (!final) break;
        if (j >= len) {
          i = len;
          continue;
        }
      }
      const trailing = buf[j] === LF || (buf[j] === CR && buf[j + 1] === LF);
      if (!trailing) {
        buf.copy(out, o, i, j);
        o += j - i;
      }
      i = j;
      continue;
    }
    out[o++] = byte;
    i++;
  }
  return { out: out.subarray(0, o), used: i };
}

function createQuotedPrintableDecoder(): ChunkDecoder {
  let pending: Buffer = Buffer.alloc(0);
  return {
    write(chunk) {
      const buf = pending.length ? Buffer.concat([pending, chunk]) : Buffer.from(chunk);
      const { out, used } = decodeQuotedPrintable(buf, false);
      pending = Buffer.from(buf.subarray(used));
      return out;
    },
    end() {
      const { out } = decodeQuotedPrintable(pending, true);
      pending = Buffer.alloc(0);
      return out;
    },
  };
}

function createIdentityDecoder(): ChunkDecoder {
  return { write: (chunk) => Buffer.from(chunk), end: () => Buffer.alloc(0) };
}

/** Lower-case mechanism name from a Content-Transfer-Encoding value; `7bit` when absent. */
export function normalizeTransferEncoding(value: string | null | undefined): string {
  const token = (value ?? '')
    .replace(/\([^()]*\)/g, ' ')
    .replace(/["']/g, '')
    .trim()
    // Only the first word: a full split of a hostile value builds an array as long as it.
    .split(/[\s;]/, 1)[0];
  return token ? token.toLowerCase() : '7bit';
}

/** A fresh incremental decoder; unknown encodings and 7bit/8bit/binary pass bytes through. */
export function createChunkDecoder(encoding: string | null | undefined): ChunkDecoder {
  switch (normalizeTransferEncoding(encoding)) {
    case 'base64':
      return createBase64Decoder();
    case 'quoted-printable':
      return createQuotedPrintableDecoder();
    default:
      return createIdentityDecoder();
  }
}

/**
 * Undoes a Content-Transfer-Encoding: base64 tolerant of whitespace, garbage
 * and missing padding; quoted-printable tolerant of bad escapes and soft
 * breaks; anything else as it is. No charset conversion, no line-ending change.
 */
export function decodeTransfer(bytes: Uint8Array, encoding: string | null | undefined): Buffer {
  const decoder = createChunkDecoder(encoding);
  const head = decoder.write(bytes);
  const tail = decoder.end();
  return tail.length ? Buffer.concat([head, tail]) : head;
}
