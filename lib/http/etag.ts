import { createHash } from 'node:crypto';
import type { Account } from '../credentials/account.js';
import type { MessageScope } from '../mail/types.js';

/**
 * Entity tags of the message routes (RFC 9110 §8.8.3). Each is the first 27
 * base64url characters (162 bits) of a SHA-256 over what the answer depends
 * on, so it names nothing it was made from. Every tag covers the account: its
 * id and the mailbox it reads (protocol, host and user), so the same message
 * id in two accounts, or in an account re-pointed at another server, never
 * shares a tag.
 *
 * - Downloads (`raw`, attachments) get a strong tag from the message id and
 *   the part alone: a message's source never changes while its id is valid
 *   (an IMAP id binds UIDVALIDITY and UID, RFC 9051 §2.3.1.1; a POP3 id is
 *   the UIDL, which names one message for as long as it exists, RFC 1939
 *   §7). A conditional download is answered without asking the server.
 * - The message answer gets a weak tag over the id, the canonical query and
 *   the flags (the only part of a message that changes): it promises the
 *   same answer in meaning, not byte for byte (the server may list flags in
 *   another order).
 *
 * REPRESENTATION_VERSION goes into every tag: it changes whenever the gateway
 * starts producing other bytes or other JSON for the same message, so caches
 * holding the old form miss.
 */
export const REPRESENTATION_VERSION = 1;

const TAG_CHARS = 27;

/** Cache-Control of a download: it never changes for its URL, and only its owner may keep it. */
export const IMMUTABLE_CACHE_CONTROL = 'private, max-age=31536000, immutable';

/** Cache-Control of the message answer: cacheable by its owner, revalidated on every use (flags change). */
export const REVALIDATE_CACHE_CONTROL = 'private, no-cache';

/** Longest If-None-Match header looked at; a longer one is ignored (no match). */
const MAX_IF_NONE_MATCH_CHARS = 8192;

function tagOf(parts: readonly (string | number | null)[]): string {
  const digest = createHash('sha256').update(JSON.stringify(parts), 'utf8').digest('base64url');
  return digest.slice(0, TAG_CHARS);
}

function accountParts(account: Account): string[] {
  return [account.id, account.protocol, account.host.toLowerCase(), account.user];
}

/** The mailbox a nested route names (`null` on the account-level routes), as tag input. */
function scopePart(scope: MessageScope): string | null {
  if (scope === null) return null;
  return scope.kind === 'role' ? `role:${scope.role}` : `path:${scope.path}`;
}

/** The strong tag of a message's raw source (`part` null) or of one attachment's bytes. */
export function downloadEtag(
  account: Account,
  scope: MessageScope,
  id: string,
  part: { kind: 'raw' } | { kind: 'attachment'; attachmentId: string },
): string {
  const attachment = part.kind === 'attachment' ? part.attachmentId : null;
  return `"${tagOf([REPRESENTATION_VERSION, part.kind, ...accountParts(account), scopePart(scope), id, attachment])}"`;
}

/**
 * The weak tag of a message answer: `query` is the canonical form of every
 * parameter that shapes the answer, `linkBase` where its links point, and
 * `flags` the message's flags (null where the protocol keeps none).
 */
export function messageEtag(
  account: Account,
  scope: MessageScope,
  id: string,
  query: string,
  linkBase: string,
  flags: readonly string[] | null,
): string {
  const flagPart = flags === null ? null : [...new Set(flags)].sort().join(' ');
  return `W/"${tagOf([REPRESENTATION_VERSION, 'message', ...accountParts(account), scopePart(scope), id, query, linkBase, flagPart])}"`;
}

/**
 * The entity tags of an If-None-Match value (RFC 9110 §8.8.3, §13.1.2): `'*'`,
 * a list of tags (weak ones keeping their `W/`), or null when the header is
 * absent, too long or malformed (then it is ignored, as if not sent).
 */
export function parseIfNoneMatch(header: string | undefined): '*' | string[] | null {
  if (header === undefined || header.length > MAX_IF_NONE_MATCH_CHARS) return null;
  const value = header.trim();
  if (value === '*') return '*';
  const tags: string[] = [];
  // entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text (a comma is one).
  const item = /[ \t]*((?:W\/)?"[\x21\x23-\x7e\x80-\xff]*")[ \t]*(?:,|$)/y;
  let at = 0;
  while (at < value.length) {
    // Empty list elements (`a, , b`) are allowed and skipped (RFC 9110 §5.6.1.2).
    const empty = /[ \t]*,/y;
    empty.lastIndex = at;
    if (empty.test(value)) {
      at = empty.lastIndex;
      continue;
    }
    item.lastIndex = at;
    const match = item.exec(value);
    if (!match?.[1]) return null;
    tags.push(match[1]);
    at = item.lastIndex;
  }
  return tags.length > 0 ? tags : null;
}

const opaque = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);

/**
 * Whether If-None-Match fails for a resource whose current tag is `etag`,
 * i.e. the answer is 304: `*`, or any listed tag equal to it under the weak
 * comparison (RFC 9110 §13.1.2: `W/` ignored on both sides).
 */
export function noneMatchFails(header: string | undefined, etag: string): boolean {
  const tags = parseIfNoneMatch(header);
  if (tags === null) return false;
  if (tags === '*') return true;
  const current = opaque(etag);
  return tags.some((tag) => opaque(tag) === current);
}

const OUR_TAG = /^(?:W\/)?"[A-Za-z0-9_-]{27}"$/;

/**
 * Whether If-None-Match could hold a tag of ours (or is `*`): when it cannot,
 * a conditional request is answered like a plain one, without first asking
 * the server for what the tag would be.
 */
export function mayHoldOurTag(header: string | undefined): boolean {
  const tags = parseIfNoneMatch(header);
  if (tags === null) return false;
  return tags === '*' || tags.some((tag) => OUR_TAG.test(tag));
}
