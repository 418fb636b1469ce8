import { decodeUtf7 } from './utf7.js';
import { decodeWindows1252 } from './windows-1252.js';

/** Text decoded from a declared charset, and whether that took guesswork. */
export interface DecodedText {
  text: string;
  /** True when the charset was unknown or the bytes were invalid for it. */
  problem: boolean;
}

/**
 * Labels mail uses that the WHATWG Encoding Standard (and so TextDecoder)
 * does not list, mapped to the encoding that decodes them.
 */
const ALIASES = new Map<string, string>([
  ['iso-2022-jp-1', 'iso-2022-jp'],
  ['iso-2022-jp-2', 'iso-2022-jp'],
  ['iso-2022-jp-3', 'iso-2022-jp'],
  ['jis', 'iso-2022-jp'],
  ['shiftjis', 'shift_jis'],
  ['sjis-open', 'shift_jis'],
  ['sjis-win', 'shift_jis'],
  ['eucjp', 'euc-jp'],
  ['euc-jp-ms', 'euc-jp'],
  ['euckr', 'euc-kr'],
  ['uhc', 'euc-kr'],
  ['ks-c-5601', 'euc-kr'],
  ['gb2312-80', 'gbk'],
  ['euc-cn', 'gbk'],
  ['euccn', 'gbk'],
  ['big5hkscs', 'big5'],
  ['iso-8859-8-e', 'iso-8859-8'],
  ['latin-1', 'windows-1252'],
  ['latin-2', 'iso-8859-2'],
  ['latin-9', 'iso-8859-15'],
  ['utf-16-le', 'utf-16le'],
  ['utf-16-be', 'utf-16be'],
  ['koi8', 'koi8-r'],
  ['unicode-1-1-utf-7', 'utf-7'],
  ['utf7', 'utf-7'],
  ['csunicode11utf7', 'utf-7'],
]);

/** Windows / IBM code page numbers (`cp936`, `windows-949`, `ms932`). */
const CODE_PAGES = new Map<string, string>([
  ['866', 'ibm866'],
  ['874', 'windows-874'],
  ['932', 'shift_jis'],
  ['936', 'gbk'],
  ['949', 'euc-kr'],
  ['950', 'big5'],
  ['1200', 'utf-16le'],
  ['1201', 'utf-16be'],
  ['20866', 'koi8-r'],
  ['21866', 'koi8-u'],
  ['50220', 'iso-2022-jp'],
  ['50221', 'iso-2022-jp'],
  ['50222', 'iso-2022-jp'],
  ['51932', 'euc-jp'],
  ['54936', 'gb18030'],
  ['65000', 'utf-7'],
  ['65001', 'utf-8'],
]);
for (let n = 1250; n <= 1258; n++) CODE_PAGES.set(String(n), `windows-${n}`);
for (let n = 1; n <= 15; n++) CODE_PAGES.set(String(28590 + n), `iso-8859-${n}`);

/** US-ASCII labels: WHATWG decodes them as windows-1252, which would hide 8-bit bytes. */
const ASCII_LABELS = new Set(['us-ascii', 'ascii', 'ansi_x3.4-1968', 'iso646-us', 'us', 'ascii-us', '646']);

const supported = new Map<string, string | null>();

/** The TextDecoder encoding name for a label, or null when the runtime refuses it. */
function supportedEncoding(label: string): string | null {
  const cached = supported.get(label);
  if (cached !== undefined) return cached;
  let encoding: string | null = null;
  try {
    encoding = new TextDecoder(label).encoding;
  } catch {
    encoding = null;
  }
  // Only a bounded set of labels is cached, so a hostile message cannot grow it.
  if (supported.size < 512) supported.set(label, encoding);
  return encoding;
}

const isQuote = (code: number) => code === 0x22 || code === 0x27;

/** Without the quotes around it. Index scans: `/["']+$/` retries at every quote of a run, quadratic in it. */
function stripQuotes(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isQuote(text.charCodeAt(start))) start++;
  while (end > start && isQuote(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

/**
 * Resolves a MIME charset label to a decoder name: a TextDecoder encoding,
 * `ascii`, `utf-7`, or null when no decoder fits.
 */
export function resolveCharset(label: string | null | undefined): string | null {
  let name = stripQuotes((label ?? '').trim()).toLowerCase();
  if (!name) return 'ascii';
  if (ASCII_LABELS.has(name)) return 'ascii';
  const candidates = [name];
  name = name.replace(/^(?:x-|cs)/, '').replace(/_/g, '-');
  candidates.push(name);
  const codePage = /^(?:cp|windows|win|ms|ibm)-?(\d+)$/.exec(name);
  if (codePage) candidates.push(CODE_PAGES.get(codePage[1]!) ?? '');
  candidates.push(ALIASES.get(name) ?? '');
  for (const candidate of candidates) {
    if (!candidate) continue;
    if (candidate === 'utf-7') return 'utf-7';
    if (ASCII_LABELS.has(candidate)) return 'ascii';
    const encoding = supportedEncoding(candidate);
    // The WHATWG "replacement" encoding turns everything into U+FFFD: not a decoder.
    if (encoding && encoding !== 'replacement') return encoding;
  }
  return null;
}

function tryDecode(bytes: Uint8Array, encoding: string): string | null {
  if (encoding === 'windows-1252') return decodeWindows1252(bytes);
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

/** UTF-8 if the bytes are valid UTF-8, else windows-1252 (which maps every byte). */
function guess(bytes: Uint8Array): string {
  return tryDecode(bytes, 'utf-8') ?? decodeWindows1252(bytes);
}

/**
 * Bytes invalid for their declared charset. Mostly-UTF-8 text with a few bad
 * bytes keeps its good characters; text with no valid multi-byte sequence is
 * more likely Latin-1 mislabelled.
 */
function salvage(bytes: Uint8Array, encoding: string): string {
  const lossy = new TextDecoder(encoding).decode(bytes);
  if (encoding !== 'utf-8') return tryDecode(bytes, 'utf-8') ?? lossy;
  const good = lossy.replace(/[\u0000-\u007f\ufffd]/g, '').length;
  return good > 0 ? lossy : decodeWindows1252(bytes);
}

/**
 * Decodes body or header bytes from their declared charset. Never throws:
 * an unknown charset or invalid bytes give best-effort text (UTF-8, else
 * windows-1252) with `problem` set. No charset means US-ASCII (RFC 2045 §5.2).
 */
export function decodeText(bytes: Uint8Array, charset: string | null | undefined): DecodedText {
  try {
    const encoding = resolveCharset(charset);
    if (encoding === null) return { text: guess(bytes), problem: true };
    if (encoding === 'ascii') {
      if (isAscii(bytes)) return { text: Buffer.from(bytes).toString('latin1'), problem: false };
      return { text: guess(bytes), problem: true };
    }
    if (encoding === 'utf-7') {
      const { text, valid } = decodeUtf7(bytes);
      return { text, problem: !valid };
    }
    const text = tryDecode(bytes, encoding);
    if (text !== null) return { text, problem: false };
    return { text: salvage(bytes, encoding), problem: true };
  } catch {
    return { text: Buffer.from(bytes).toString('latin1'), problem: true };
  }
}
