import { createHash } from 'node:crypto';
import { MessageNotFoundError } from './errors.js';
import { decodeToken, encodeToken } from './opaque-token.js';
import { isAcceptedUidl } from './pop3-uidl.js';

/**
 * Message ids are opaque to clients and address a message on their own.
 *
 * An IMAP id carries the UIDVALIDITY, the UID and the mailbox: the path
 * itself when its UTF-8 form is at most MAX_INLINE_PATH_BYTES, else a hash
 * of it (the adapter then finds the path by listing the mailboxes). So an id
 * can never name a message in another mailbox, nor another message after the
 * mailbox was recreated (RFC 9051 §2.3.1.1), and stays within 200 URL-safe
 * characters whatever the path. A POP3 id carries the server's UIDL.
 *
 * IMAP layout, base64url after the `i`: one kind byte, UIDVALIDITY and UID
 * as big-endian 32-bit numbers, then the path (kind 1) or the first
 * HASH_BYTES of its SHA-256 (kind 2). Ids issued before ids carried their
 * mailbox (`i` + base64url of `validity.uid.tag`) still decode as hashed ids.
 */

export interface ImapMessageKey {
  /** UIDVALIDITY as a decimal string (it is a 32-bit unsigned number; kept as text to avoid bigint in JSON). */
  uidValidity: string;
  uid: number;
}

export interface ParsedImapMessageId {
  key: ImapMessageKey;
  /** The mailbox path when the id carries it; null when only a hash of it does. */
  path: string | null;
  /** Whether the id names a message of the mailbox at `path`. */
  isIn(path: string): boolean;
}

const IMAP_PREFIX = 'i';
const POP3_PREFIX = 'p';
const KIND_PATH = 1;
const KIND_HASH = 2;
const HEADER_BYTES = 9;
const HASH_BYTES = 16;
/** The longest id the API promises (API.md: an id is at most 200 characters). */
export const MAX_MESSAGE_ID_LENGTH = 200;
/** 1 + ceil((9 + 140) * 4 / 3) = 200 characters. */
export const MAX_INLINE_PATH_BYTES = 140;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function pathHash(mailboxPath: string): Buffer {
  return createHash('sha256').update(mailboxPath, 'utf8').digest();
}

export function encodeImapMessageId(mailboxPath: string, key: ImapMessageKey): string {
  const pathBytes = Buffer.from(mailboxPath, 'utf8');
  const inline = pathBytes.length <= MAX_INLINE_PATH_BYTES;
  const mailbox = inline ? pathBytes : pathHash(mailboxPath).subarray(0, HASH_BYTES);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(inline ? KIND_PATH : KIND_HASH, 0);
  header.writeUInt32BE(Number(key.uidValidity), 1);
  header.writeUInt32BE(key.uid, 5);
  return encodeToken(IMAP_PREFIX, Buffer.concat([header, mailbox]));
}

/**
 * Reads an IMAP id without knowing its mailbox.
 * @throws MessageNotFoundError when the id is malformed.
 */
export function parseImapMessageId(id: string): ParsedImapMessageId {
  const bytes = decodeToken(IMAP_PREFIX, id, MAX_MESSAGE_ID_LENGTH);
  if (!bytes) throw new MessageNotFoundError();
  const kind = bytes[0];
  if (kind === KIND_PATH || kind === KIND_HASH) return parseCurrent(bytes, kind);
  return parseLegacy(bytes);
}

/**
 * Reads an IMAP id that must belong to the mailbox at `mailboxPath`.
 * @throws MessageNotFoundError when the id is malformed or belongs to another mailbox.
 */
export function decodeImapMessageId(mailboxPath: string, id: string): ImapMessageKey {
  const parsed = parseImapMessageId(id);
  if (!parsed.isIn(mailboxPath)) throw new MessageNotFoundError();
  return parsed.key;
}

function parseCurrent(bytes: Buffer, kind: number): ParsedImapMessageId {
  if (bytes.length <= HEADER_BYTES) throw new MessageNotFoundError();
  const uidValidity = bytes.readUInt32BE(1);
  const uid = bytes.readUInt32BE(5);
  if (uid === 0) throw new MessageNotFoundError();
  const key = { uidValidity: String(uidValidity), uid };
  const mailbox = bytes.subarray(HEADER_BYTES);
  if (kind === KIND_HASH) {
    if (mailbox.length !== HASH_BYTES) throw new MessageNotFoundError();
    return { key, path: null, isIn: (path) => pathHash(path).subarray(0, HASH_BYTES).equals(mailbox) };
  }
  if (mailbox.length > MAX_INLINE_PATH_BYTES) throw new MessageNotFoundError();
  let path: string;
  try {
    path = UTF8.decode(mailbox);
  } catch {
    throw new MessageNotFoundError();
  }
  // No mailbox name has control characters (RFC 9051 §5.1: Net-Unicode); a forged one could end a command line.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(path)) throw new MessageNotFoundError();
  return { key, path, isIn: (candidate) => candidate === path };
}

/** `validity.uid.tag`, the tag being 8 base64url characters of the path's SHA-256. */
function parseLegacy(bytes: Buffer): ParsedImapMessageId {
  const parts = bytes.toString('utf8').split('.');
  const [validity, uidText, tag] = parts;
  if (parts.length !== 3 || !validity || !uidText || tag === undefined) throw new MessageNotFoundError();
  if (!/^[0-9]{1,10}$/.test(validity) || !/^[1-9][0-9]{0,9}$/.test(uidText)) throw new MessageNotFoundError();
  const uid = Number(uidText);
  if (uid > 0xffffffff || Number(validity) > 0xffffffff) throw new MessageNotFoundError();
  return {
    key: { uidValidity: String(Number(validity)), uid },
    path: null,
    isIn: (path) => pathHash(path).toString('base64url').slice(0, 8) === tag,
  };
}

export function encodePop3MessageId(uidl: string): string {
  return encodeToken(POP3_PREFIX, Buffer.from(uidl, 'latin1'));
}

/** @throws MessageNotFoundError when the id is malformed. */
export function decodePop3MessageId(id: string): string {
  const bytes = decodeToken(POP3_PREFIX, id, MAX_MESSAGE_ID_LENGTH);
  const uidl = bytes?.toString('latin1');
  if (uidl === undefined || !isAcceptedUidl(uidl)) throw new MessageNotFoundError();
  return uidl;
}
