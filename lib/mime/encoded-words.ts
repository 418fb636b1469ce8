import { decodeText, resolveCharset } from './charset.js';

// RFC 2047 §2: =?charset?encoding?encoded-text?=; the charset may carry an
// RFC 2231 §5 language suffix (`utf-8*en`). No whitespace inside a word.
const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;
const LINEAR_WHITESPACE = /^[ \t\r\n]+$/;

interface Word {
  charset: string;
  encoding: string;
  text: string;
}

function wordBytes(encoding: string, text: string): Buffer {
  if (encoding === 'b') {
    return Buffer.from(text.replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
  }
  // RFC 2047 §4.2: "_" is a space; "=XX" a byte; a bad escape stays literal.
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (ch === '_') {
      bytes.push(0x20);
    } else {
      for (const byte of Buffer.from(ch, 'utf8')) bytes.push(byte);
    }
  }
  return Buffer.from(bytes);
}

/**
 * Some encoders split base64 mid-quantum across words; such a word has no
 * padding and a length that is not a multiple of 4, so it is joined to the
 * next one before decoding.
 */
function runBytes(run: Word[]): Buffer {
  const chunks: Buffer[] = [];
  let base64 = '';
  for (const word of run) {
    if (word.encoding !== 'b' && base64) {
      chunks.push(wordBytes('b', base64));
      base64 = '';
    }
    if (word.encoding !== 'b') {
      chunks.push(wordBytes('q', word.text));
      continue;
    }
    base64 += word.text.replace(/[^A-Za-z0-9+/=]/g, '');
    if (base64.length % 4 === 0 || base64.endsWith('=')) {
      chunks.push(wordBytes('b', base64));
      base64 = '';
    }
  }
  if (base64) chunks.push(wordBytes('b', base64));
  return Buffer.concat(chunks);
}

function flush(run: Word[]): string {
  if (run.length === 0) return '';
  return decodeText(runBytes(run), run[0]!.charset).text;
}

/** Charset identity for joining words: `UTF-8` and `utf8` decode alike. */
function charsetKey(label: string): string {
  return resolveCharset(label) ?? label.toLowerCase();
}

/**
 * Decodes RFC 2047 encoded words in an unstructured header value. Adjacent
 * encoded words are joined without the whitespace between them (§6.2), and
 * the bytes of adjacent words in the same charset are decoded together, so a
 * multi-byte character split across two words survives. An unknown charset
 * or invalid bytes decode best-effort; a malformed word stays as written.
 * A Buffer (raw 8-bit header bytes) is read as UTF-8, else windows-1252.
 */
export function decodeHeaderValue(value: string | Uint8Array): string {
  const input = typeof value === 'string' ? value : decodeText(value, 'utf-8').text;
  let out = '';
  let run: Word[] = [];
  let runKey = '';
  let pos = 0;
  for (const match of input.matchAll(ENCODED_WORD)) {
    const between = input.slice(pos, match.index);
    // Without its language suffix.
    const star = match[1]!.indexOf('*');
    const charset = star < 0 ? match[1]! : match[1]!.slice(0, star);
    const key = charsetKey(charset);
    const word = { charset, encoding: match[2]!.toLowerCase(), text: match[3]! };
    const adjacent = run.length > 0 && (between === '' || LINEAR_WHITESPACE.test(between));
    if (adjacent && key === runKey) {
      run.push(word);
    } else {
      out += flush(run);
      if (!adjacent) out += between;
      run = [word];
      runKey = key;
    }
    pos = match.index + match[0].length;
  }
  out += flush(run);
  return out + input.slice(pos);
}
